"""Frames where they start: load a photo (cover-cropped to the frame) or make seeded noise.

A frame is float32 RGB HWC in [0, 1] everywhere between the edges; `to_uint8` is the one way back to
8 bits (files, the encoder, optical flow). Writing frames is pipeline.output.frames's job.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.errors import UserError

BACKGROUND = 0.5  # what transparent pixels of an RGBA input become: mid grey, like the noise start


def load_image(path: str | Path, width: int, height: int, setting: str = "input") -> np.ndarray:
    """Read any image OpenCV reads, scaled to cover width x height and centre-cropped (no stretching)."""
    return cover_crop(read_image(path, setting), width, height)


def read_image(path: str | Path, setting: str = "input") -> np.ndarray:
    """An image file as a frame at its own size (an input's existence was checked by pipeline.run.plan;
    a guide's or colour reference's is checked here, at set-up).
    Transparency is composited over mid grey (BACKGROUND), so what hides under alpha 0 is never dreamed;
    16-bit and grey images are read at their full depth."""
    if not Path(path).expanduser().is_file():
        raise UserError(f"{setting}: no file at {path}; pass the path of an image that exists")
    raw = cv2.imread(str(Path(path).expanduser()), cv2.IMREAD_UNCHANGED)  # keeps alpha and 16-bit depth
    if raw is None or raw.dtype not in (np.uint8, np.uint16) or raw.ndim not in (2, 3):
        raise UserError(f"{setting}: {path} is not an image OpenCV can read (try a PNG or JPEG)")
    return flatten_alpha(raw.astype(np.float32) / np.iinfo(raw.dtype).max)


def flatten_alpha(image: np.ndarray) -> np.ndarray:
    """OpenCV's grey, BGR or BGRA (float in [0, 1]) -> RGB, with alpha composited over BACKGROUND
    (straight, not premultiplied alpha, as PNG stores it)."""
    if image.ndim == 2:
        image = image[:, :, None]
    channels = image.shape[2]
    colour = image[:, :, :3] if channels >= 3 else np.repeat(image[:, :, :1], 3, axis=2)
    if channels in (2, 4):  # grey + alpha, or BGRA
        alpha = image[:, :, -1:]
        colour = colour * alpha + BACKGROUND * (1.0 - alpha)
    return np.ascontiguousarray(colour[:, :, ::-1] if channels >= 3 else colour, dtype=np.float32)


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
