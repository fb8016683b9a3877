"""Variable-frame-rate clips: found from their packet timestamps and resampled to a constant rate.

Our output is constant-rate H.264, so a clip whose frames are unevenly spaced (phones, screen recordings)
must be brought to one rate, or its frames get spread evenly and drift away from its sound. We resample
to the *fastest* rate the clip reaches (1 / its shortest regular frame interval) with ffmpeg's `fps`
filter, which shows at each output time the clip's frame presented then (duplicating frames where the
clip is slower, never dropping one where it is fastest): picture and sound keep their timing, and
frames=auto counts the resampled frames. https://ffmpeg.org/ffmpeg-filters.html#fps-1
"""

from __future__ import annotations

import re
import statistics
from fractions import Fraction
from pathlib import Path

from pipeline.errors import UserError, one_line
from pipeline.ffmpeg import fps_fraction, run_quietly

MAX_RATE = 240  # frames per second: a resampled clip never asks for more (a stray tiny interval)


def resample_rate(packets: list[int], tick: Fraction) -> Fraction | None:
    """None for a constant-rate clip (intervals equal within one tick of the container's clock, or 1%),
    else the constant rate to resample it to."""
    times = sorted(packets)
    intervals = [b - a for a, b in zip(times, times[1:]) if b > a]
    if len(intervals) < 2:
        return None
    median = statistics.median(intervals)
    if max(intervals) - min(intervals) <= max(1, 0.01 * median):
        return None
    shortest = min(i for i in intervals if i >= median / 2 or i == max(intervals))  # ignore strays
    return min(fps_fraction(float(1 / (shortest * tick))), Fraction(MAX_RATE))


def resample_args(rate: Fraction) -> list[str]:
    return ["-vf", f"fps={rate.numerator}/{rate.denominator}"]


def resampled_count(path: Path, rate: Fraction) -> int:
    """Frames the `fps` filter gives: counted by decoding once (only variable-rate clips pay this)."""
    args = ["-i", str(path), "-map", "0:v:0", *resample_args(rate), "-f", "null", "-", "-progress", "pipe:1"]
    result = run_quietly(args)
    counts = re.findall(r"^frame=(\d+)", result.stdout.decode(errors="replace"), re.MULTILINE)
    if result.returncode != 0 or not counts:
        raise UserError(f"input: ffmpeg cannot decode {path} ({one_line(result.stderr, last=True)})")
    return int(counts[-1])
