"""One writer per run directory: a second render or encode is refused at once, naming the holder; a lock
left by a killed process is free again."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.encode import encode
from pipeline.errors import UserError
from pipeline.output.video import probe
from pipeline.run.lock import acquire, release
from tests.test_cli import ROOT, TINY, run_cli

HOLD = "import sys, time; from pathlib import Path; from pipeline.run.lock import acquire; " \
       "acquire(Path(sys.argv[1]), 'render'); print('held', flush=True); time.sleep(120)"  # fmt: skip


def _holder(run_dir: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                               text=True)  # fmt: skip
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_held_run_dir_is_refused_naming_the_holder_until_the_holder_is_killed(tmp_path):
    holder = _holder(tmp_path)
    try:
        with pytest.raises(UserError, match=f"in use by pid {holder.pid} ") as error:
            acquire(tmp_path, "render")
        assert "\n" not in str(error.value) and "or choose another hydra.run.dir" in str(error.value)
        with pytest.raises(UserError, match=f"pid {holder.pid}") as error:  # re-encoding a live run: refused
            encode(tmp_path)
        assert "hydra.run.dir" not in str(error.value)  # an encode (or a resume) cannot take another
        with pytest.raises(UserError, match="cannot resume: ") as error:
            acquire(tmp_path, "resume")
        assert "hydra.run.dir" not in str(error.value)
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up runs: the kernel drops the flock
        holder.wait()
    assert acquire(tmp_path, "render")  # the stale lock is taken over
    assert not acquire(tmp_path, "render")  # held by us already: a no-op, not a deadlock
    release(tmp_path)


@pytest.mark.slow
def test_a_second_render_into_a_busy_run_dir_exits_2_at_once_and_the_first_finishes_intact(tmp_path):
    run_dir = tmp_path / "run"
    settings = [*TINY, "frames=8", f"hydra.run.dir={run_dir}"]
    first = subprocess.Popen([sys.executable, "-m", "pipeline.render", *settings], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 180
    while not (run_dir / "frames/000000.png").exists():
        assert first.poll() is None and time.monotonic() < deadline, first.stderr.read()
        time.sleep(0.02)
    record = (run_dir / ".hydra/config.yaml").read_text()
    started = time.monotonic()
    second = run_cli(*TINY, "frames=3", "seed=9", f"hydra.run.dir={run_dir}")
    print(f"second render refused after {time.monotonic() - started:.1f} s (including Python start-up)")
    assert first.poll() is None  # refused while the first still runs: it did not wait for the lock
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and f"in use by pid {first.pid}" in lines[0], second.stderr
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert (run_dir / ".hydra/config.yaml").read_text() == record  # the second never wrote its record
    assert probe(run_dir / "dream.mp4")["frames"] == 8
    assert "seed=9" not in (run_dir / "render.log").read_text()
