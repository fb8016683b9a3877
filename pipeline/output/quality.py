"""Per-frame quality figures: is a long render keeping its colours and its detail?

Recorded for every frame in frames.jsonl (`quality`) and printed by `python -m pipeline.bench`, so drift
towards a few blown-out colours shows as numbers, frame by frame.
"""

from __future__ import annotations

import cv2
import numpy as np

# Rec. 709 luma weights, applied to the gamma-encoded RGB values the frame holds (ITU-R BT.709-6, item 3.2).
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def luma(frame: np.ndarray) -> np.ndarray:
    """Y' = 0.2126 R' + 0.7152 G' + 0.0722 B' per pixel (H, W), on a float32 RGB frame in [0, 1]."""
    return np.clip(frame, 0.0, 1.0).astype(np.float32) @ LUMA


def quality(frame: np.ndarray) -> dict[str, float]:
    """Four figures of one float32 RGB HWC frame in [0, 1]:

    - luminance: mean Rec. 709 luma Y' over all pixels, 0..1.
    - saturation: mean HSV saturation (max - min) / max of each pixel's R', G', B' (0 for black), 0..1.
    - clipped: share of all colour values (pixels x 3 channels) that land on 0 or 255 when written as
      8-bit, 0..1; a frame blown out to a few pure colours approaches 1.
    - detail: high-frequency energy, the mean square of the 4-neighbour Laplacian of the luma
      (Y'(x-1,y) + Y'(x+1,y) + Y'(x,y-1) + Y'(x,y+1) - 4 Y'(x,y), mirrored borders), in luma units
      squared; a blurred or flattened frame approaches 0.
    """
    rgb = np.clip(frame, 0.0, 1.0).astype(np.float32)
    brightest, darkest = rgb.max(axis=-1), rgb.min(axis=-1)
    saturation = np.where(brightest > 0, (brightest - darkest) / np.maximum(brightest, 1e-12), 0.0)
    eight_bit = np.round(rgb * 255.0)
    laplacian = cv2.Laplacian(luma(rgb), cv2.CV_32F, ksize=1, borderType=cv2.BORDER_REFLECT_101)
    return {
        "luminance": round(float(luma(rgb).mean()), 6),
        "saturation": round(float(saturation.mean()), 6),
        "clipped": round(float(((eight_bit == 0) | (eight_bit == 255)).mean()), 6),
        "detail": round(float(np.square(laplacian, dtype=np.float64).mean()), 8),
    }
