"""An interrupt stops a sweep (default launcher): the running job is encoded and marked interrupted, not
FAILED; the jobs after it do not run and the index lists them as not run; the printed resume pastes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.output.video import probe
from pipeline.sweeps.jobs import FAILED, INTERRUPTED, NOT_RUN
from tests.test_cli import ROOT, TINY

pytestmark = pytest.mark.slow


def test_ctrl_c_to_the_group_stops_the_sweep_and_the_index_says_which_jobs_did_not_run(tmp_path):
    sweep = tmp_path / "sweep"
    args = [*TINY, "frames=6", "cadence=1", "seed=1,2,3", f"hydra.sweep.dir={sweep}"]
    process = subprocess.Popen([sys.executable, "-m", "pipeline.render", "-m", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 180
    while not list(sweep.glob("0_*/frames/000001.png")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the whole group
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    first, *later = sorted(sweep.glob("[0-9]_*"), key=lambda p: p.name)
    assert (first / INTERRUPTED).is_file() and not (first / FAILED).exists()
    done = len(list((first / "frames").glob("*.png")))
    assert probe(first / "dream.mp4")["frames"] == done < 6  # what it did is a playable video
    assert all((job / NOT_RUN).is_file() and not (job / "frames").exists() for job in later)
    index = (sweep / "index.md").read_text()
    assert "**interrupted**" in index and index.count("**not run**") == 2 and "**failed**" not in index
    assert "resume=" in stderr
