"""Run imageio-ffmpeg's bundled ffmpeg so that every failure is one checked line, never a silent bad file.

imageio-ffmpeg ignores ffmpeg's exit status, so each call here checks it and turns ffmpeg's last stderr
line into a `UserError`.
"""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg

from pipeline.errors import UserError, one_line


def command(*args: str) -> list[str]:
    """The bundled binary, quiet except for errors, never reading the terminal, overwriting outputs."""
    return [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", "-nostdin", *args]


def run(args: list[str], doing: str) -> str:
    """Run ffmpeg to completion; return its stdout, or raise one line naming what failed and why."""
    result = subprocess.run(command(*args), capture_output=True)
    if result.returncode != 0:
        raise UserError(
            f"ffmpeg could not {doing} (exit {result.returncode}: {one_line(result.stderr, last=True)})"
        )
    return result.stdout.decode(errors="replace")


def count_frames(path: Path) -> int:
    """Frames in the first video stream, counted from packets (`-c copy`): exact for H.264, no decoding."""
    out = run(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-", "-progress", "pipe:1"],
              f"read back {path}")  # fmt: skip
    counts = re.findall(r"^frame=(\d+)", out, re.MULTILINE)
    return int(counts[-1]) if counts else 0


def fps_fraction(fps: float) -> Fraction:
    """29.97 -> 30000/1001 (and 23.976, 59.94 likewise): ffmpeg gets the exact NTSC rate, not a rounding."""
    ntsc = round(fps * 1.001)
    if fps != int(fps) and abs(fps - ntsc / 1.001) < 0.005:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)
