"""Stream frames into a YouTube-ready H.264 MP4 through imageio-ffmpeg's bundled ffmpeg, and check it.

The encoder settings follow YouTube's recommended upload settings; presets are in conf/video/.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from pipeline.errors import UserError
from pipeline.ffmpeg import count_frames
from pipeline.output.segments import SegmentWriter
from pipeline.sources.audio import audio_duration, check_audio_file, mux_args
from pipeline.sources.image import to_uint8

X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast",
                "medium", "slow", "slower", "veryslow")  # fmt: skip
# RGB -> limited-range BT.709 YUV 4:2:0 (ffmpeg's default matrix is BT.601), and the tags that say so
BT709 = (
    "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
    "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
)


@dataclass
class VideoConfig:
    """How to encode; presets in conf/video/. A preset never sets the frame size: width/height stay the
    render's keys (the size is what dreaming costs), and each preset's YAML names the size it is tuned for."""

    filename: str = "dream.mp4"  # written inside the run directory
    crf: int = 18  # x264 constant rate factor: 0 lossless .. 51 worst; ~18 looks transparent
    preset: str = "medium"  # x264 speed/size trade-off: ultrafast .. veryslow (ultrafast gives Main profile)
    maxrate: int | None = None  # bitrate cap, kbit/s over a 2 s buffer; x1.5 above 30 fps; null: CRF only
    segment_frames: int = 240  # frames per video-only segment, rounded up to whole GOPs (half a second)
    keep_segments: bool = False  # keep segments/ after a successful join (they are deleted by default)

    def __post_init__(self) -> None:
        if not 0 <= self.crf <= 51:
            raise UserError(f"video.crf must be 0..51 (lower is better, 18 is typical), got {self.crf}")
        if self.preset not in X264_PRESETS:
            raise UserError(f"video.preset must be one of {', '.join(X264_PRESETS)}, got {self.preset!r}")
        if not self.filename.endswith(".mp4") or "/" in self.filename:
            raise UserError(f"video.filename must be a plain name ending in .mp4, got {self.filename!r}")
        if self.maxrate is not None and self.maxrate < 100:
            raise UserError(
                f"video.maxrate must be null or >= 100 kbit/s (8000 = 8 Mbps), got {self.maxrate}"
            )
        if self.segment_frames < 1:
            raise UserError(f"video.segment_frames must be >= 1 (240 is typical), got {self.segment_frames}")


def fps_fraction(fps: float) -> Fraction:
    """29.97 -> 30000/1001 (and 23.976, 59.94 likewise): ffmpeg gets the exact NTSC rate, not a rounding."""
    ntsc = round(fps * 1.001)
    if fps != int(fps) and abs(fps - ntsc / 1.001) < 0.005:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)


def gop_frames(fps: float) -> int:
    """YouTube asks for a closed GOP of half the frame rate: a keyframe every half second."""
    return max(1, round(fps / 2))


def x264_args(cfg: VideoConfig, fps: float) -> list[str]:
    """YouTube's recommended upload video: H.264 High, progressive 4:2:0 BT.709, 2 B-frames, closed GOPs
    on a fixed grid (no scene-cut keyframes), CRF with an optional VBV cap."""
    gop = str(gop_frames(fps))
    args = ["-vf", BT709, "-c:v", "libx264", "-preset", cfg.preset, "-crf", str(cfg.crf),
            "-profile:v", "high", "-g", gop, "-bf", "2", "-flags", "+cgop", "-sc_threshold", "0"]  # fmt: skip
    if cfg.maxrate is not None:
        cap = round(cfg.maxrate * (1.5 if fps > 30 else 1.0))  # YouTube's high-frame-rate figures are 1.5x
        args += ["-maxrate", f"{cap}k", "-bufsize", f"{2 * cap}k"]
    return args


class Mp4Writer:
    """Owns the ffmpeg processes so every exit status is checked (imageio-ffmpeg's writer ignores it).

    Frames go into video-only segments beside the MP4 (pipeline.output.segments); `close()` joins them, adds
    the sound track and puts the moov atom first in one final copy step, and checks the frame count. The file
    is `.partial.mp4` until then, so a file named `*.mp4` is always complete. PNG frames are never touched.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: float,
        cfg: VideoConfig,
        audio: str | Path | None = None,
    ):
        if width % 2 or height % 2:
            raise UserError(f"{width}x{height}: H.264 4:2:0 needs even sides (the video is never rescaled)")
        self.path, self.fps, self.cfg = path, fps, cfg
        self.partial = path.with_name(f"{path.stem}.partial.mp4")
        self.audio = check_audio_file(audio) if audio else None
        if self.audio:
            audio_duration(self.audio)  # an unreadable track fails now, before the first frame
        args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                "-r", str(fps_fraction(fps)), "-i", "-", "-an", *x264_args(cfg, fps)]  # fmt: skip
        self.segments = SegmentWriter(path.parent / "segments", args, cfg.segment_frames, gop_frames(fps))

    @property
    def frames_written(self) -> int:
        return self.segments.frames

    def write(self, frame: np.ndarray) -> None:
        self.segments.write(to_uint8(frame).tobytes())

    def close(self) -> Path:
        """Finish the last segment, join, add audio, check the frame count, then publish the file."""
        if not self.segments.finish():
            raise UserError(f"no frames were written, so there is no video to make at {self.path}")
        inputs, outputs = [], []
        if self.audio:
            inputs, outputs = mux_args(self.audio, float(self.frames_written / fps_fraction(self.fps)))
        self.segments.join(self.partial, inputs, outputs)
        if (frames := count_frames(self.partial)) != self.frames_written:
            raise UserError(f"ffmpeg wrote {frames} frames to {self.partial}, expected {self.frames_written}")
        os.replace(self.partial, self.path)
        if not self.cfg.keep_segments:
            self.segments.remove()
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and drop unfinished files; finished segments and the PNG frames stay."""
        self.segments.abort()
        with contextlib.suppress(OSError):  # cleanup must not hide the error that caused it
            self.partial.unlink(missing_ok=True)

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def probe(path: Path) -> dict:
    """What a player sees: codec, pixel format, size, fps, duration and the exact frame count."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    reader.close()
    meta["frames"] = count_frames(path)
    return meta
