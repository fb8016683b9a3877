"""Per-frame quality figures: is a long render keeping its colours and its detail?

Recorded for every frame in frames.jsonl (`quality`) and printed by `python -m pipeline.bench`, so drift
towards a few blown-out colours shows as numbers, frame by frame.

They run on the writer thread for every frame written, so they are computed per plane with OpenCV's
vectorised kernels (one HSV conversion, one weighted sum for luma, one Laplacian, sums accumulated in
float64 by OpenCV) on the full frame, and `clipped` is counted on the 8-bit frame the sink writes anyway:
a few milliseconds at 720p where the NumPy version (whole-frame float temporaries, luma twice, a float64
square) took about 100. Every figure keeps its definition at full resolution.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.sources.image import to_uint8

# Rec. 709 luma weights, applied to the gamma-encoded RGB values the frame holds (ITU-R BT.709-6, item 3.2).
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def luma(frame: np.ndarray) -> np.ndarray:
    """Y' = 0.2126 R' + 0.7152 G' + 0.0722 B' per pixel (H, W), float32, on an RGB frame in [0, 1]."""
    return cv2.transform(np.clip(frame, 0.0, 1.0).astype(np.float32, copy=False), LUMA[None, :])


def quality(frame: np.ndarray, eight_bit: np.ndarray | None = None) -> dict[str, float]:
    """Four figures of one float32 RGB HWC frame in [0, 1] (`eight_bit`: the same frame as written,
    to_uint8's rounding, when the caller has it):

    - luminance: mean Rec. 709 luma Y' over all pixels, 0..1.
    - saturation: mean HSV saturation (max - min) / max of each pixel's R', G', B' (0 for black), 0..1;
      as OpenCV computes it, the divisor carries FLT_EPSILON (1.2e-7), which moves no figure at 6 digits
      but for near-black pixels.
    - clipped: share of all colour values (pixels x 3 channels) that land on 0 or 255 when written as
      8-bit, 0..1; a frame blown out to a few pure colours approaches 1.
    - detail: high-frequency energy, the mean square of the 4-neighbour Laplacian of the luma
      (Y'(x-1,y) + Y'(x+1,y) + Y'(x,y-1) + Y'(x,y+1) - 4 Y'(x,y), mirrored borders), in luma units
      squared; a blurred or flattened frame approaches 0.
    """
    rgb = np.clip(frame, 0.0, 1.0).astype(np.float32, copy=False)  # one float32 copy, no more
    saturation = cv2.mean(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV))[1]
    y = cv2.transform(rgb, LUMA[None, :])
    laplacian = cv2.Laplacian(y, cv2.CV_32F, ksize=1, borderType=cv2.BORDER_REFLECT_101)
    eight = to_uint8(rgb) if eight_bit is None else eight_bit
    ends = np.count_nonzero(eight == 0) + np.count_nonzero(eight == 255)
    return {
        "luminance": round(cv2.mean(y)[0], 6),
        "saturation": round(saturation, 6),
        "clipped": round(float(ends) / eight.size, 6),
        "detail": round(cv2.norm(laplacian, cv2.NORM_L2SQR) / laplacian.size, 8),
    }
