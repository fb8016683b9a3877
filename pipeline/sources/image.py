"""Frames where they start: load a photo (cover-cropped to the frame) or make seeded noise.

A frame is float32 RGB HWC in [0, 1] everywhere between the edges; `to_uint8` is the one way back to
8 bits (files, the encoder, optical flow). Writing frames is pipeline.output.frames's job.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import UserError


def load_image(path: str | Path, width: int, height: int) -> np.ndarray:
    """Read any image OpenCV reads, scaled to cover width x height and centre-cropped (no stretching)."""
    return cover_crop(read_image(path), width, height)


def read_image(path: str | Path) -> np.ndarray:
    """An image file as a frame at its own size (its existence was checked by pipeline.run.plan)."""
    bgr = cv2.imread(str(Path(path).expanduser()), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"input: {path} is not an image OpenCV can read (try a PNG or JPEG)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


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
