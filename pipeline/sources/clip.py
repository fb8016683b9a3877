"""A video as input: its exact frame rate, frame count and sound, and its frames streamed one at a time.

imageio-ffmpeg ships no ffprobe, so the facts come from ffmpeg itself: a stream copy into `framecrc`
lists every packet (no decoding), and imageio-ffmpeg's header gives the size frames decode at.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from pipeline.errors import UserError, one_line
from pipeline.ffmpeg import command, fps_fraction
from pipeline.sources.image import cover_crop

EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif")
KINDS = f"a clip ({' '.join(EXTENSIONS)}), an image, or input=null to start from noise"
# Every decoded frame once, in order: ffmpeg's default for a pipe duplicates and drops frames of a
# variable-rate clip to fit a constant rate, which would break "same frame count".
PASSTHROUGH = ["-fps_mode", "passthrough"]
DISCARD = 0x4  # packet flag: cut by an edit list (a trimmed MP4), so never decoded


@dataclass(frozen=True)
class ClipInfo:
    width: int  # pixels, as decoded (after any rotation the file asks for)
    height: int  # pixels
    fps: Fraction  # exact frame rate, e.g. Fraction(30000, 1001); the mean rate of a variable-rate clip
    frames: int  # exact count of frames read_clip yields
    duration: float  # seconds of picture: frames / fps (the container may be longer, e.g. its audio)
    has_audio: bool  # the file has a sound track to carry into the output


def is_video(path: str | Path) -> bool:
    """Whether `input` names a clip (by extension) rather than a still image."""
    return Path(path).suffix.lower() in EXTENSIONS


def even_size(width: int, height: int) -> tuple[int, int]:
    """Round down to even sides (H.264 4:2:0 needs them), at least 2 x 2."""
    return max(2, width - width % 2), max(2, height - height % 2)


def probe_clip(path: str | Path) -> ClipInfo:
    """Size, exact rate, exact frame count and sound of a clip, or a one-line error naming `input`."""
    path = Path(path).expanduser()
    packets, tick = _packets(path)
    reader, meta = _open(path)
    reader.close()
    fps = exact_rate(packets, tick, meta.get("fps", 0.0))
    width, height = meta["size"]
    return ClipInfo(width, height, fps, len(packets), float(len(packets) / fps), "audio_codec" in meta)


def read_clip(path: str | Path, width: int, height: int) -> Iterator[np.ndarray]:
    """Frames in order as float32 RGB HWC in [0, 1], covered and centre-cropped to width x height.

    One frame is in memory at a time; stopping early (or closing this generator) stops ffmpeg."""
    reader, meta = _open(Path(path).expanduser())
    try:
        cols, rows = meta["size"]
        for raw in reader:
            frame = np.frombuffer(raw, np.uint8).reshape(rows, cols, 3).astype(np.float32) / 255.0
            yield frame if (cols, rows) == (width, height) else cover_crop(frame, width, height)
    finally:
        reader.close()


def _open(path: Path) -> tuple[Iterator, dict]:
    """imageio-ffmpeg's frame reader, started, and the header it read first (size, rate, audio codec)."""
    reader = imageio_ffmpeg.read_frames(str(path), output_params=PASSTHROUGH)
    try:
        return reader, next(reader)
    except (OSError, RuntimeError) as error:
        reader.close()
        raise UserError(
            f"input: ffmpeg cannot decode {path} ({one_line(error, last=True)}); pass {KINDS}"
        ) from None


def exact_rate(packets: list[int], tick: Fraction, nominal: float) -> Fraction:
    """The clip's mean frame rate from its packet timestamps (exact in an MP4's 1/30000 s ticks), or
    the NTSC/integer rate ffmpeg names when that is within 0.2% (MKV and WebM tick in whole ms)."""
    named = fps_fraction(nominal) if nominal > 0 else None
    if len(packets) < 2 or max(packets) == min(packets):
        if named is None:
            raise UserError("input: the clip has a single frame and no frame rate; pass an image instead")
        return named
    measured = (len(packets) - 1) / ((max(packets) - min(packets)) * tick)
    if named is not None and abs(named / measured - 1) < 0.002:
        return named
    return measured.limit_denominator(1001)


def _packets(path: Path) -> tuple[list[int], Fraction]:
    """Presentation times of the first video stream's packets that decode to a frame, and the length
    of one time-base tick."""
    args = ["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]
    result = subprocess.run(command(*args), capture_output=True)
    if result.returncode != 0:
        no_video = b"matches no streams" in result.stderr
        reason = "it has no video stream" if no_video else one_line(result.stderr, last=True)
        raise UserError(f"input: ffmpeg cannot read a video from {path} ({reason}); pass {KINDS}")
    text = result.stdout.decode(errors="replace")
    base = re.search(r"^#tb 0: (\d+)/(\d+)", text, re.MULTILINE)
    packets = []
    for line in text.splitlines():  # stream, dts, pts, duration, size, crc[, F=0xflags][, side data]
        fields = [field.strip() for field in line.split(",")]
        flags = next((int(field[4:], 16) for field in fields[6:] if field.startswith("F=0x")), 0)
        if not line.startswith("#") and len(fields) >= 6 and not flags & DISCARD:
            packets.append(int(fields[2]))
    if base is None or not packets:
        raise UserError(f"input: {path} has a video stream with no frames in it")
    return packets, Fraction(int(base[1]), int(base[2]))
