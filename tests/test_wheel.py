"""A wheel built from the project holds every subpackage and the Hydra configs, and renders once installed."""

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_cli import ROOT, TINY

pytestmark = pytest.mark.slow
PACKAGE = ROOT / "pipeline"
PLUGIN = ROOT / "hydra_plugins" / "pipeline_launcher"  # hydra/launcher=slurm's launcher class


def _run(*args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_wheel_has_every_subpackage_and_the_configs_and_renders(tmp_path):
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    for package in (PACKAGE, PLUGIN):
        shutil.copytree(
            package, source / package.relative_to(ROOT), ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        str(dist),
        str(source),
    )
    (wheel,) = dist.glob("pipeline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("__init__.py")}
    configs = {p.relative_to(ROOT).as_posix() for p in (PACKAGE / "conf").rglob("*.yaml")}
    assets = {p.relative_to(ROOT).as_posix() for p in (PACKAGE / "output/pages").glob("*.[cj]s*")}
    assert (
        len(packages) == 11 and len(configs) >= 17 and len(assets) == 2
    )  # 11: output/pages/, api/, bench/, cli/ too
    plugin = {p.relative_to(ROOT).as_posix() for p in PLUGIN.glob("*.py")}
    assert packages | configs | assets | plugin <= names, sorted(
        (packages | configs | assets | plugin) - names
    )
    assert "hydra_plugins/__init__.py" not in names  # a namespace package, shared with Hydra's own plugins

    venv = tmp_path / "venv"  # torch and friends from this environment; pipeline only from the wheel
    _run(sys.executable, "-m", "venv", "--system-site-packages", str(venv))
    python = venv / "bin" / "python"
    # When the tests run in a venv (CI), "system" is the base interpreter: let the new venv see this
    # one's packages too, after its own (a .pth line adds a path; that path's .pth files do not run).
    inner = _run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    (Path(inner) / "outer_packages.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run(str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "--no-index", str(wheel))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    where = _run(str(python), "-c", "import pipeline; print(pipeline.__file__)", cwd=elsewhere, env=env)
    assert where.startswith(str(venv)), where
    _run(str(python), "-m", "pipeline.render", *TINY, "frames=2", "hydra.run.dir=run", cwd=elsewhere, env=env)
    assert len(list((elsewhere / "run" / "frames").glob("*.png"))) == 2
    assert (elsewhere / "run" / "dream.mp4").is_file() and (elsewhere / "run" / "plan.json").is_file()
    assert "--bg:" in (elsewhere / "run" / "index.html").read_text()  # the page, its style inlined
