"""Run imageio-ffmpeg's bundled ffmpeg so that every failure is one checked line, never a silent bad file.

imageio-ffmpeg ignores ffmpeg's exit status, so each call here checks it and turns ffmpeg's last stderr
line into a `UserError`. Every ffmpeg starts in its own session: Ctrl-C in a terminal and SIGTERM from
`timeout`, SLURM or systemd go to the whole process group, and the encoder must outlive them until we have
encoded what is done and closed it ourselves (imageio-ffmpeg's readers do the same with `setpgrp`).
A session is not enough everywhere: SLURM with `ProctrackType=proctrack/linuxproc` signals every
descendant of the job (scancel's SIGTERM, the time limit's SIGUSR2), so ffmpeg also starts with those
signals blocked. The mask survives exec and ffmpeg never unblocks them: it ends when its input ends, or
when we kill it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import subprocess
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg

from pipeline.errors import UserError, one_line


@functools.cache
def executable() -> str:
    """The bundled binary, found once. imageio-ffmpeg checks it by running `ffmpeg -version` in our own
    process group and caches a failure: writers call this before their first frame, so a Ctrl-C later
    can never kill that check and leave "no ffmpeg exe could be found" behind."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def command(*args: str) -> list[str]:
    """The bundled binary, quiet except for errors, never reading the terminal, overwriting outputs."""
    return [executable(), "-y", "-hide_banner", "-loglevel", "error", "-nostdin", *args]


# The polite stop signals (pipeline.run.interrupts) that ffmpeg must not take as its own
SHIELDED = {signal.SIGINT, signal.SIGTERM, *(getattr(signal, n) for n in ("SIGUSR2",) if hasattr(signal, n))}


@contextlib.contextmanager
def _shielded():
    """Block SHIELDED in this thread while a child is started (it inherits the mask); others take them."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, SHIELDED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def popen(args: list[str], **kwargs) -> subprocess.Popen:
    """Start ffmpeg outside our process group, deaf to the stop signals: they never reach it."""
    with _shielded():
        return subprocess.Popen(command(*args), start_new_session=True, **kwargs)


def run_quietly(args: list[str]) -> subprocess.CompletedProcess:
    """Run ffmpeg to completion outside our process group; if we are interrupted, it is killed."""
    with _shielded():
        process = subprocess.Popen(
            command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    with process:
        try:
            stdout, stderr = process.communicate()
        except BaseException:  # Ctrl-C, StopNow: as subprocess.run does
            process.kill()
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def run(args: list[str], doing: str) -> str:
    """Run ffmpeg to completion; return its stdout, or raise one line naming what failed and why."""
    result = run_quietly(args)
    if result.returncode != 0:
        raise UserError(
            f"ffmpeg could not {doing} (exit {result.returncode}: {one_line(result.stderr, last=True)})"
        )
    return result.stdout.decode(errors="replace")


def count_frames(path: Path) -> int:
    """Frames in the first video stream, counted from packets (`-c copy`): exact for H.264, no decoding."""
    out = run(
        ["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-", "-progress", "pipe:1"],
        f"read back {path}",
    )
    counts = re.findall(r"^frame=(\d+)", out, re.MULTILINE)
    return int(counts[-1]) if counts else 0


def fps_fraction(fps: float) -> Fraction:
    """29.97 -> 30000/1001 (and 23.976, 59.94 likewise): ffmpeg gets the exact NTSC rate, not a rounding."""
    ntsc = round(fps * 1.001)
    if fps != int(fps) and abs(fps - ntsc / 1.001) < 0.005:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)
