"""Stream frames into an H.264 MP4 through imageio-ffmpeg's bundled ffmpeg, and check what was written."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from pipeline.errors import UserError
from pipeline.image import to_uint8

X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)


@dataclass
class VideoConfig:
    filename: str = "dream.mp4"  # written inside the run directory
    crf: int = 18  # x264 constant rate factor: 0 lossless .. 51 worst; ~18 looks transparent
    preset: str = "medium"  # x264 speed/size trade-off: ultrafast .. veryslow

    def __post_init__(self) -> None:
        if not 0 <= self.crf <= 51:
            raise UserError(f"video.crf must be 0..51 (lower is better, 18 is typical), got {self.crf}")
        if self.preset not in X264_PRESETS:
            raise UserError(f"video.preset must be one of {', '.join(X264_PRESETS)}, got {self.preset!r}")
        if not self.filename.endswith(".mp4") or "/" in self.filename:
            raise UserError(f"video.filename must be a plain name ending in .mp4, got {self.filename!r}")


def fps_fraction(fps: float) -> Fraction:
    """29.97 -> 30000/1001 (and 23.976, 59.94 likewise): ffmpeg gets the exact NTSC rate, not a rounding."""
    ntsc = round(fps * 1.001)
    if fps != int(fps) and abs(fps - ntsc / 1.001) < 0.005:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)


class Mp4Writer:
    """Owns the ffmpeg process so its exit status is checked (imageio-ffmpeg's writer ignores it).

    Frames go to a `.partial.mp4` that is renamed only once ffmpeg succeeded and the frame count
    read back matches, so a file named `*.mp4` is always complete.
    """

    def __init__(self, path: Path, width: int, height: int, fps: float, cfg: VideoConfig):
        self.path, self.frames_written = path, 0
        self.partial = path.with_name(f"{path.stem}.partial.mp4")
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the writer; closed in close())
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error", "-nostdin",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps_fraction(fps)),
            "-i", "-", "-an", "-c:v", "libx264", "-preset", cfg.preset, "-crf", str(cfg.crf),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(self.partial),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=self.stderr)

    def write(self, frame: np.ndarray) -> None:
        try:
            self.process.stdin.write(to_uint8(frame).tobytes())
        except BrokenPipeError:
            self.process.wait()
            raise self._failure() from None
        self.frames_written += 1

    def close(self) -> Path:
        """Finish the stream, check ffmpeg's exit status and the frame count, then publish the file."""
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        try:
            if self.process.wait() != 0:
                raise self._failure()
        finally:
            self.stderr.close()
        frames, _ = imageio_ffmpeg.count_frames_and_secs(str(self.partial))
        if frames != self.frames_written:
            raise UserError(f"ffmpeg wrote {frames} frames to {self.partial}, expected {self.frames_written}")
        os.replace(self.partial, self.path)
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and drop its unfinished file; nothing else (the PNG frames) is touched."""
        self.process.kill()
        self.process.wait()
        self.stderr.close()
        self.partial.unlink(missing_ok=True)

    def _failure(self) -> UserError:
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else "no message"
        return UserError(
            f"ffmpeg could not write {self.partial} (exit {self.process.returncode}: {reason}); "
            "every frame rendered so far is kept as PNG"
        )

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and not self.stderr.closed:
            self.abort()


def probe(path: Path) -> dict:
    """What a player sees: codec, pixel format, size, fps, duration and the exact frame count."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    reader.close()
    meta["frames"], _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    return meta
