"""`python -m pipeline.weights`: the real command once in a subprocess (as .ci/run runs it), the mistakes
in-process through main() (a subprocess pays torch's start-up, seconds here, for each)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.weights import main
from tests.standin_fixture import standin_file  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def run_weights(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pipeline.weights", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})  # fmt: skip


def _assert_one_line_error(capsys, argv, fragment):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], lines


def test_help_imports_no_torch():
    code = (
        "import sys\nfrom pipeline.weights import main\ntry:\n main(['--help'])\nexcept SystemExit:\n pass\n"
    )
    result = subprocess.run([sys.executable, "-c", code + "print('torch' in sys.modules)"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "python -m pipeline.weights standin [--force]" in result.stdout
    assert result.stdout.strip().endswith("False"), result.stdout


def test_an_unknown_choice_is_one_line(capsys):
    _assert_one_line_error(capsys, ["vgg19"], "invalid choice: 'vgg19'")


def test_standin_prints_where_the_file_is(standin_file):  # noqa: F811
    result = run_weights("standin")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"the stand-in is at {standin_file}"


def test_standin_without_npm_is_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    _assert_one_line_error(
        capsys, ["standin"], "npm is not installed: apt-get install npm (or install Node.js)"
    )
    assert not (tmp_path / "torch").exists()
