"""How smooth a video's motion is, beyond the camera's own: for each pair of consecutive frames, the mean
absolute difference between frame k + 1 and frame k moved by the camera's step from k to k + 1.

The camera's motion is known exactly, so what is left is what the dream itself changed between the two
frames: small and even for a smooth video, a spike where something jumps (a cadence dream that did not
match the in-betweens before it, say).
"""

from __future__ import annotations

import statistics

import numpy as np

from pipeline.animation.camera import Camera


def residual(camera: Camera, frame: np.ndarray, following: np.ndarray, index: int) -> float:
    """Mean absolute difference (0-1 pixel units) between frame index + 1 and frame index's camera step."""
    return float(np.abs(following - camera.warp(frame, index / camera.fps)).mean())


def summarise(residuals: list[float], dreamed: list[bool]) -> dict:
    """Mean and worst residual; and the worst jump into a dreamed frame relative to the median (`jump`,
    <= 1.5 means no visible jump; None when every frame was dreamed). residuals[k] is the pair (k, k+1)."""
    median = statistics.median(residuals)
    into_dreams = [r for r, into in zip(residuals, dreamed[1:]) if into]
    every_frame = all(dreamed)
    return {
        "mean": statistics.fmean(residuals),
        "worst": max(residuals),
        "median": median,
        "jump": None if every_frame or not into_dreams else max(into_dreams) / max(median, 1e-12),
    }
