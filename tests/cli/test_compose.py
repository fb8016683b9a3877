"""Mistakes Hydra finds while composing (unknown key, unknown preset, wrong type) are one line naming the
setting and the choices, exit code 2, before Hydra starts; sweeps and Hydra's own flags are not touched."""

import pytest

from pipeline.cli.compose import compose_command_line
from pipeline.errors import UserError
from tests.test_cli import run_cli


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "dream.octavs=3",
            "unknown setting 'dream.octavs': did you mean dream.octaves? the dream.* settings are",
        ),
        ("sede=3", "unknown setting 'sede': did you mean seed? the settings are input, width"),
        (
            "motion=zom",
            "motion=zom: there is no such preset; did you mean motion=zoom? motion is one of drift,",
        ),
        ("seed=abc", "Error merging override seed=abc: Value 'abc' of type 'str' could not be converted"),
    ],
)
def test_a_composition_mistake_is_one_line_naming_the_setting(override, expected):
    with pytest.raises(UserError) as mistake:
        compose_command_line("render", [override])
    assert str(mistake.value).startswith(expected) and "\n" not in str(mistake.value)


def test_an_unknown_key_lists_the_keys_of_its_own_section():
    with pytest.raises(UserError) as mistake:
        compose_command_line("render", ["colour.methd=x"])
    assert str(mistake.value).endswith("the colour.* settings are match, reference, space, strength, method")


def test_a_plain_run_and_help_are_composed_and_sweeps_are_left_to_hydra():
    assert compose_command_line("render", ["dream=full", "--help"]).cadence == "1"  # the preset applied
    assert compose_command_line("render", ["-m", "seed=1,2"]) is None  # a comma list is a sweep there


@pytest.mark.parametrize("command", [["dream.octavs=3"], ["dream.octavs=3", "--help"], ["motion=zom"]])
def test_the_cli_says_it_in_one_line_with_exit_code_2(command):
    result = run_cli(*command)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_stills_command_checks_its_own_config():
    import subprocess
    import sys

    from tests.test_cli import ROOT

    result = subprocess.run([sys.executable, "-m", "pipeline.dream", "dream.octavs=2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 2 and "unknown setting 'dream.octavs'" in result.stderr
