"""A variable-frame-rate clip keeps its timing: resampled to its fastest rate, each output frame is the
clip's frame presented at that moment (so picture and sound stay together)."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import imageio_ffmpeg
import numpy as np

from pipeline.ffmpeg import command
from pipeline.sources.clip import probe_clip, read_clip
from pipeline.sources.vfr import resample_rate

# 24 frames: the first 12 every 1/24 s, the next 12 every 2/24 s (1.5 s of picture in all)
SLOWER_HALF = "setpts='if(lt(N,12),N,12+2*(N-12))/24/TB'"


def test_a_variable_rate_clip_is_resampled_keeping_each_frame_at_its_time(tmp_path):
    clip = tmp_path / "vfr.mp4"
    args = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=24", "-frames:v", "24", "-vf", SLOWER_HALF,
            "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            str(clip)]  # fmt: skip
    subprocess.run(command(*args), check=True)
    info = probe_clip(clip)
    assert info.fps == Fraction(24) and info.frames == 35  # 12 + 2 x 12 slots, the last one ends the clip
    assert abs(info.duration - 1.5) < 1.5 / 24  # its own length, to a frame; not 24 frames spread evenly
    raw = imageio_ffmpeg.read_frames(str(clip), output_params=["-fps_mode", "passthrough"])
    next(raw)
    sources = [np.frombuffer(frame, np.uint8).reshape(48, 64, 3) / 255.0 for frame in raw]
    shown = [int(np.argmin([np.abs(out - s).mean() for s in sources])) for out in read_clip(clip, 64, 48)]
    expected = [k if k < 12 else 12 + (k - 12) // 2 for k in range(35)]  # presented at t = k / 24
    assert shown == expected


def test_a_constant_rate_clip_is_left_alone():
    ticks = [0, 1001, 2002, 3003, 4004]
    assert resample_rate(ticks, Fraction(1, 30000)) is None
    assert resample_rate([0, 33, 67, 100, 133, 167], Fraction(1, 1000)) is None  # ms ticks round 1/30 s
