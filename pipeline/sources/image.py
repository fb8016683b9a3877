"""Frames at the edges: load a photo or make noise, save PNGs atomically.

A frame is float32 RGB HWC in [0, 1] everywhere between the edges.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import UserError


def load_image(path: str | Path, width: int, height: int, setting: str = "input") -> np.ndarray:
    """Read any image OpenCV reads, scaled to cover width x height and centre-cropped (no stretching)."""
    path = Path(path).expanduser()
    if not path.is_file():
        hint = "or input=null to start from noise" if setting == "input" else "that exists"
        raise UserError(f"{setting}: no file at {path}; pass an image path, {hint}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"{setting}: {path} is not an image OpenCV can read (try a PNG or JPEG)")
    return cover_crop(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0, width, height)


def cover_crop(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize so the frame covers width x height, then crop the centre."""
    rows, cols = frame.shape[:2]
    scale = max(width / cols, height / rows)
    size = (max(width, round(cols * scale)), max(height, round(rows * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(frame, size, interpolation=interpolation)
    top, left = (size[1] - height) // 2, (size[0] - width) // 2
    return np.clip(resized[top : top + height, left : left + width], 0.0, 1.0)


def noise_image(width: int, height: int, seed: int) -> np.ndarray:
    """Grey with faint seeded noise: enough texture for the first dream to latch onto."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.5, 0.08, size=(height, width, 3))
    return np.clip(noise, 0.0, 1.0).astype(np.float32)


def to_uint8(frame: np.ndarray) -> np.ndarray:
    """Round to 8-bit for files and the encoder; the loop itself keeps full float precision."""
    return np.round(np.clip(frame, 0.0, 1.0) * 255.0).astype(np.uint8)


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
