"""Frames as files: PNGs written atomically, and read back for re-encoding, contact sheets and tests.

Durability is paid where a resume needs it: a file written with `sync=False` is renamed into place at
once (a viewer or a killed process never sees half of it) but reaches the disk when the kernel flushes
it, or when `sync_files` is called; the sink calls it for the frames a checkpoint is about to point past
(pipeline/output/sink.py), so a crash of the whole machine still never leaves a checkpoint ahead of a
frame that is not on disk. A PNG frame's fsync cost about as much as encoding it.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import UserError
from pipeline.sources.image import to_uint8

# OpenCV's default PNG encoding (zlib level 1 with filtering): the same bytes as every earlier release
# writes, so a run made by one resumes byte-identically in another. Stored PNGs (level 0, no filter) took 3 ms
# instead of 48 at 720p but 30% more disk; that trade is left for a later, opt-in setting.
PNG_OPTIONS: list[int] = []


def write_atomically(path: Path, data: bytes | memoryview | np.ndarray, sync: bool = True) -> None:
    """Write to a temporary name, fsync (unless `sync` is False: see the module's note), then rename: a
    crash never leaves a half-written file, and a viewer or a resume only ever sees the old file or the
    new one. `data`: anything with the buffer protocol (bytes, a memoryview, an encoded NumPy array)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as file:
            file.write(data)
            if sync:
                file.flush()
                os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:  # a full disk (or an interrupt) leaves no temporary file behind
        partial.unlink(missing_ok=True)
        raise


def sync_files(paths) -> None:
    """fsync files already written and renamed (with sync=False), so they survive a crash of the machine."""
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def encode_png(frame: np.ndarray) -> np.ndarray:
    """PNG bytes of an RGB frame (float in [0, 1], or already 8-bit), with fixed settings so the same
    frame always gives the same bytes (a resume rewrites frames byte-identically): PNG_OPTIONS."""
    eight = frame if frame.dtype == np.uint8 else to_uint8(frame)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(eight, cv2.COLOR_RGB2BGR), PNG_OPTIONS)
    if not ok:
        raise OSError("OpenCV could not encode a frame as PNG")
    return encoded


def save_png(path: Path, frame: np.ndarray, sync: bool = True) -> None:
    write_atomically(path, encode_png(frame), sync)


def read_png(path: Path) -> np.ndarray:
    """Inverse of save_png (RGB float32 in [0, 1]), for re-encoding and tests."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"{path} is missing or not a readable PNG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
