"""Stream frames into a YouTube-ready H.264 MP4 through imageio-ffmpeg's bundled ffmpeg, and check it.

The encoder settings follow YouTube's recommended upload settings; presets are in pipeline/conf/video/.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from pipeline.errors import UserError
from pipeline.ffmpeg import count_frames, fps_fraction
from pipeline.output.segments import SegmentWriter
from pipeline.output.video_config import VideoConfig
from pipeline.sources.audio import audio_duration, check_audio_file, mux_args
from pipeline.sources.image import to_uint8

# RGB -> limited-range BT.709 YUV 4:2:0 (ffmpeg's default matrix is BT.601), and the tags that say so
BT709 = (
    "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
    "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"
)


def gop_frames(fps: float) -> int:
    """YouTube asks for a closed GOP of half the frame rate: a keyframe every half second."""
    return max(1, round(fps / 2))


def x264_args(cfg: VideoConfig, fps: float) -> list[str]:
    """YouTube's recommended upload video: H.264 High, progressive 4:2:0 BT.709, 2 B-frames, closed GOPs
    on a fixed grid (no scene-cut keyframes), CRF with an optional VBV cap."""
    gop = str(gop_frames(fps))
    encoder = ["-vf", BT709, "-c:v", "libx264"]  # BT.709 colour, H.264
    quality = ["-preset", cfg.preset, "-crf", str(cfg.crf), "-profile:v", "high"]
    grid = ["-g", gop, "-bf", "2", "-flags", "+cgop", "-sc_threshold", "0"]  # closed GOPs, no scene cuts
    args = [*encoder, *quality, *grid]
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
        size, rate = f"{width}x{height}", str(fps_fraction(fps))
        frames = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", rate]
        args = [*frames, "-i", "-", "-an", *x264_args(cfg, fps)]  # 8-bit RGB frames on stdin, no sound yet
        self.segments = SegmentWriter(path.parent / "segments", args, cfg.segment_frames, gop_frames(fps))

    @property
    def frames_written(self) -> int:
        return self.segments.frames

    def write(self, frame: np.ndarray) -> None:
        """One frame: float RGB in [0, 1], or already rounded to 8 bits (the sink rounds once for all)."""
        eight = frame if frame.dtype == np.uint8 else to_uint8(frame)
        self.segments.write(np.ascontiguousarray(eight).data)  # the array's own bytes, not a copy

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
