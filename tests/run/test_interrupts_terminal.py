"""Interrupts as terminals and schedulers send them: Ctrl-C through a real pseudo-terminal to the whole
foreground process group, SIGTERM to the group (as `timeout`, SLURM and systemd do). The encoder must
survive it, the MP4 must hold exactly the frames done, and the printed resume command must paste."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli.quoting import hydra_value
from pipeline.output.manifest import read_manifest
from pipeline.output.video import probe
from tests.test_cli import ROOT, TINY, run_cli

pytestmark = pytest.mark.slow
SETTINGS = [*TINY, "layer_schedule=single", "layer_schedule.layer=conv3_1", "motion=spiral", "seed=3",
            "dream.steps=3", "cadence=1"]  # fmt: skip
FRAMES = 6
AWKWARD = "run =1 ü"  # a space, Hydra's `=` and a non-ASCII letter: the resume command must quote them


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The same render, never interrupted. Frame N depends only on (seed, N), so it serves every length."""
    run_dir = tmp_path_factory.mktemp("whole")
    result = run_cli(*SETTINGS, f"frames={FRAMES}", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    return run_dir


class Terminal:
    """A render in a real pseudo-terminal: session leader, terminal as its controlling tty, so a ^C typed
    into it becomes SIGINT for the whole foreground process group, children included."""

    def __init__(self, *args: str):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: exec at once
            os.chdir(ROOT)
            os.execv(sys.executable, [sys.executable, "-m", "pipeline.render", *args])
        self.output = b""

    def read(self, seconds: float = 0.05) -> None:
        while select.select([self.fd], [], [], seconds)[0]:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the child closed the terminal
                return
            if not chunk:
                return
            self.output += chunk

    def ctrl_c(self) -> None:
        os.write(self.fd, b"\x03")  # the terminal's VINTR: the kernel signals the foreground group

    def wait(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read()
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.read()
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError(f"still running after {timeout} s:\n{self.text}")

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace").replace("\r", "")


def frames_done(run_dir: Path) -> int:
    return len(list((run_dir / "frames").glob("*.png")))


def wait_for_frames(run_dir: Path, count: int, alive, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while frames_done(run_dir) < count:
        assert alive(), "the render ended before it was interrupted"
        assert time.monotonic() < deadline, "render too slow"
        time.sleep(0.02)


def assert_consistent(run_dir: Path, done: int) -> None:
    """Exactly `done` frames in the PNGs, a playable MP4, the manifest and the saved state; no temp files."""
    assert frames_done(run_dir) == done
    assert probe(run_dir / "dream.mp4")["frames"] == done
    assert [record["index"] for record in read_manifest(run_dir)] == list(range(done))
    assert f'"next_index": {done}' in (run_dir / "state" / "next.json").read_text()
    assert not [p for p in run_dir.rglob("*") if ".partial" in p.name]


def resume_as_printed(text: str) -> subprocess.CompletedProcess:
    """Paste the printed command into a shell, as a user would (python = this interpreter)."""
    command = re.search(r"continue with: (python -m pipeline\.render .+)$", text, re.MULTILINE)
    assert command, text
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run(["bash", "-c", command[1]], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


def assert_same_frames(a: Path, b: Path, count: int) -> None:
    for index in range(count):
        name = f"{index:06d}.png"
        assert (a / "frames" / name).read_bytes() == (b / "frames" / name).read_bytes(), name


def test_ctrl_c_in_a_terminal_encodes_the_frames_done_and_prints_a_pasteable_resume(tmp_path, reference):
    run_dir = tmp_path / AWKWARD
    term = Terminal(*SETTINGS, f"frames={FRAMES}", f"hydra.run.dir={hydra_value(str(run_dir))}")
    wait_for_frames(run_dir, 2, lambda: (term.read(), os.waitpid(term.pid, os.WNOHANG)[0] == 0)[1])
    term.ctrl_c()
    started = time.monotonic()
    assert term.wait() == 130, term.text
    assert time.monotonic() - started < 60  # bounded: one gradient step, the writer, the encode
    assert "Traceback" not in term.text and "ffmpeg could not" not in term.text
    done = frames_done(run_dir)
    assert 2 <= done < FRAMES, term.text
    assert_consistent(run_dir, done)
    result = resume_as_printed(term.text)
    assert result.returncode == 0, result.stderr
    assert_consistent(run_dir, FRAMES)
    assert_same_frames(reference, run_dir, FRAMES)
    assert (run_dir / "dream.mp4").read_bytes() == (reference / "dream.mp4").read_bytes()


def _start_group(run_dir: Path, *args: str) -> subprocess.Popen:
    """A render as a scheduler starts it: in its own process group, with its children."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.render", *SETTINGS, *args, f"hydra.run.dir={run_dir}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def test_sigterm_to_the_process_group_encodes_and_resumes_identically(tmp_path, reference):
    run_dir = tmp_path / "run"
    process = _start_group(run_dir, f"frames={FRAMES}")
    wait_for_frames(run_dir, 2, lambda: process.poll() is None)
    os.killpg(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "resume=" in stderr
    done = frames_done(run_dir)
    assert 2 <= done < FRAMES
    assert_consistent(run_dir, done)
    result = resume_as_printed(stderr)
    assert result.returncode == 0, result.stderr
    assert_same_frames(reference, run_dir, FRAMES)
    assert probe(run_dir / "dream.mp4")["frames"] == FRAMES


def test_a_second_signal_stops_at_once_and_the_state_still_resumes(tmp_path, reference):
    run_dir = tmp_path / "run"
    process = _start_group(run_dir, f"frames={FRAMES}")
    wait_for_frames(run_dir, 1, lambda: process.poll() is None)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not [p for p in run_dir.rglob("*") if ".partial" in p.name]
    result = run_cli(f"resume={run_dir}")
    assert result.returncode == 0, result.stderr
    assert_consistent(run_dir, FRAMES)
    assert_same_frames(reference, run_dir, FRAMES)


def test_an_extension_interrupted_and_resumed_twice_never_shrinks(tmp_path, reference):
    run_dir = tmp_path / "run"
    assert run_cli(*SETTINGS, "frames=2", f"hydra.run.dir={run_dir}").returncode == 0
    for extra in (["frames=5"], []):  # extend to 5, then the plain resume: both continue towards 5
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.render", f"resume={run_dir}", *extra],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        before = frames_done(run_dir)
        wait_for_frames(run_dir, before + 1, lambda p=process: p.poll() is None)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 130, stderr
        done = frames_done(run_dir)
        assert before < done < 5
        assert_consistent(run_dir, done)  # nothing cut back to the 2 frames first recorded
    result = resume_as_printed(stderr)
    assert result.returncode == 0, result.stderr
    assert_consistent(run_dir, 5)
    result = run_cli(f"resume={run_dir}", f"frames={FRAMES}")  # extending again (was a KeyError)
    assert result.returncode == 0, result.stderr
    assert_consistent(run_dir, FRAMES)
    assert_same_frames(reference, run_dir, FRAMES)
    assert (run_dir / "contact_sheet.jpg").is_file()
