"""The one error path: every command and callback ends a mistake with `error: <one line>` and exit code 2."""

import subprocess
import sys

import pytest

from pipeline.errors import UserError, one_line, report
from pipeline.sweeps.jobs import failure_line
from tests.test_cli import ROOT, _assert_one_line_error


def test_one_line_joins_or_keeps_the_last_line():
    assert (
        one_line("size mismatch for\n  features.0.weight:   [64]\n")
        == "size mismatch for features.0.weight: [64]"
    )
    assert one_line(b"Input #0\n  Stream 0\nmoov atom not found\n\n", last=True) == "moov atom not found"
    assert one_line(KeyError()) == "KeyError" and one_line(b"") == "no message"


def test_a_sweep_names_a_crash_by_its_type_but_a_mistake_by_its_message():
    assert failure_line(RuntimeError("CUDA\nerror")) == "RuntimeError: CUDA error"
    assert failure_line(UserError("width must be even")) == "width must be even"


def test_report_prints_one_line_and_exits_2(capsys):
    with pytest.raises(SystemExit) as exited:
        report(UserError("frames must be at least 1,\ngot 0"))
    assert exited.value.code == 2
    assert capsys.readouterr().err == "error: frames must be at least 1, got 0\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    "command, fragments",
    [
        (["pipeline.bench", "--device", "tpu", "--json", "/dev/null"], ["device", "cuda:N"]),
        (["pipeline.dream", "hydra.run.dir=/proc/pipeline-cannot-write-here"], ["hydra.run.dir"]),
        (["pipeline.encode", "video=draft"], ["run_dir is missing"]),
    ],
)
def test_the_other_commands_report_the_same_way(command, fragments):
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    _assert_one_line_error(result, *fragments)
