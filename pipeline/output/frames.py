"""Frames as files: PNGs written atomically, and read back for re-encoding, contact sheets and tests."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import UserError
from pipeline.sources.image import to_uint8


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, then rename: a crash never leaves a half-written file, and a
    viewer or a resume only ever sees the old file or the new one."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def save_png(path: Path, frame: np.ndarray) -> None:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(to_uint8(frame), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"OpenCV could not encode {path.name} as PNG")
    write_atomically(path, encoded.tobytes())


def read_png(path: Path) -> np.ndarray:
    """Inverse of save_png (RGB float32 in [0, 1]), for re-encoding and tests."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"{path} is missing or not a readable PNG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
