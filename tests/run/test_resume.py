"""Renders survive SIGKILL and Ctrl-C: resume continues bit-identically to a render never interrupted."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.output.video import probe
from tests.test_cli import ROOT, TINY, rendered_run, run_cli

pytestmark = pytest.mark.slow
SETTINGS = [
    *TINY,
    "frames=6",
    "motion=spiral",
    "layer_schedule=single",
    "layer_schedule.layer=conv3_1",
    "seed=3",
    "cadence=1",  # a dream per frame: a kill after frame N lands mid-render (cadence writes frames in bursts)
]


def _start(run_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.render", *SETTINGS, f"hydra.run.dir={run_dir}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_frames(run_dir: Path, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list((run_dir / "frames").glob("*.png"))) < count:
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "render too slow"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    return rendered_run(tmp_path_factory, "whole", *SETTINGS)


def _assert_same_frames(a: Path, b: Path, count: int) -> None:
    for index in range(count):
        name = f"{index:06d}.png"
        assert (a / "frames" / name).read_bytes() == (b / "frames" / name).read_bytes(), name


@pytest.mark.parametrize("kill_after", [1, 4])
def test_sigkill_then_resume_is_bit_identical(tmp_path, uninterrupted, kill_after):
    run_dir = tmp_path / "run"
    process = _start(run_dir)
    _wait_for_frames(run_dir, kill_after, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL  # killed, not finished on its own
    # the kill landed mid-render: fewer frames than asked on disk, no final video yet
    assert kill_after <= len(list((run_dir / "frames").glob("*.png"))) < 6
    assert not (run_dir / "dream.mp4").exists()
    result = run_cli(f"resume={run_dir}")
    assert result.returncode == 0, result.stderr
    _assert_same_frames(uninterrupted, run_dir, 6)
    assert probe(run_dir / "dream.mp4")["frames"] == 6
    assert not list(run_dir.glob("**/.*.partial"))


def test_ctrl_c_encodes_what_is_done_and_says_how_to_resume(tmp_path, uninterrupted):
    run_dir = tmp_path / "run"
    process = _start(run_dir)
    _wait_for_frames(run_dir, 2, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert f"resume={run_dir}" in stderr and "Traceback" not in stderr
    done = len(list((run_dir / "frames").glob("*.png")))
    assert 2 <= done < 6
    assert probe(run_dir / "dream.mp4")["frames"] == done  # a playable partial video
    page = (run_dir / "index.html").read_text()  # and a page to look at it, saying it was interrupted
    assert f"interrupted after {done} of 6 frames" in page and '<video src="dream.mp4"' in page
    result = run_cli(f"resume={run_dir}")
    assert result.returncode == 0, result.stderr
    _assert_same_frames(uninterrupted, run_dir, 6)
    assert probe(run_dir / "dream.mp4")["frames"] == 6


def test_resume_keeps_the_record_and_logs_into_the_run(tmp_path, uninterrupted):
    record = (uninterrupted / ".hydra/config.yaml").read_text()
    result = run_cli(f"resume={uninterrupted}", "frames=7")  # extending is allowed
    assert result.returncode == 0, result.stderr
    assert (uninterrupted / ".hydra/config.yaml").read_text() == record
    assert probe(uninterrupted / "dream.mp4")["frames"] == 7
    assert "resuming" in (uninterrupted / "render.log").read_text()


def test_resume_with_other_settings_is_refused_naming_them(tmp_path, uninterrupted):
    before = sorted(p.name for p in (uninterrupted / "frames").iterdir())
    result = run_cli(f"resume={uninterrupted}", "dream.lr=0.5", "motion=zoom")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "dream.lr" in lines[0] and "motion" in lines[0]
    assert sorted(p.name for p in (uninterrupted / "frames").iterdir()) == before


def test_resume_of_a_folder_that_is_not_a_run(tmp_path):
    result = run_cli(f"resume={tmp_path}")
    assert (
        result.returncode == 2 and ".hydra/config.yaml" in result.stderr and "Traceback" not in result.stderr
    )
    assert not (tmp_path / "frames").exists() and not (tmp_path / ".hydra").exists()
