"""`--help` answers from one composition with exactly the text Hydra's own help prints (which deep-copies
its config store once per group option and took 1.1 s here)."""

import subprocess
import sys

import pytest

from pipeline.cli.compose import compose_command_line
from pipeline.cli.help import quick_help
from tests.test_cli import ROOT

HYDRA_HELP = "import sys; from pipeline.render import main; sys.argv[0] = 'pipeline.render'; main()"


def _stdout(*command: str) -> str:
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("overrides", [[], ["layer_schedule=cycle", "dream=full"]])
def test_quick_help_prints_what_hydra_prints(overrides):
    quick = _stdout("-m", "pipeline.render", "--help", *overrides)
    assert quick == _stdout("-c", HYDRA_HELP, "--help", *overrides)
    assert "dream: default, full" in quick and "cadence:" in quick


def test_other_flags_go_to_hydra():
    assert compose_command_line("render", ["--cfg", "job"]) is None
    assert compose_command_line("render", ["--help", "--cfg", "job"]) is None
    assert quick_help(["--help", "--cfg", "job"], None) is None
    assert quick_help(["dream=full"], compose_command_line("render", ["dream=full"])) is None  # no --help


def test_help_lists_the_networks_for_renders_and_stills():
    """The `model` group (issue 22) is in the video's help, and the stills' own template names the same
    options as conf/model/ holds (the template is written by hand: it must not drift)."""
    from pipeline.config import CONF_DIR

    options = ", ".join(sorted(path.stem for path in (CONF_DIR / "model").glob("*.yaml")))
    assert options == "googlenet, inception_v3, vgg19"
    assert f"model: {options}" in _stdout("-m", "pipeline.render", "--help")
    stills = _stdout("-m", "pipeline.dream", "--help", "model=googlenet")
    assert f"model: {options}" in stills and "name: googlenet" in stills and "layers: default" in stills
