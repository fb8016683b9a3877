"""How smooth a video's motion is, beyond the camera's own: for each pair of consecutive frames, the mean
absolute difference between frame k + 1 and frame k moved by the camera's step from k to k + 1.

The camera's motion is known exactly, so what is left is what the dream itself changed between the two
frames: small and even for a smooth video, a spike where something jumps (a cadence dream that did not
match the in-betweens before it, say).

Two jump figures, because a render's first second is a transient: frame 0 is a full dream of the input,
and the next dreams keep building on it, so every step there is several times the video's median (full
dreams on every frame show it too, with no cadence at all: 11x the median into frame 1 at 160x90). `jump`
divides the worst step into a dreamed frame by the median of the whole video, so it reports that transient
as much as cadence. `local_jump` asks the question cadence raises, whether a dreamed frame stands out from
the in-betweens around it: each step into a dreamed frame over the median of the in-between steps within
one cadence span on either side (a rolling median, as in Hampel's outlier filter).
"""

from __future__ import annotations

import statistics

import numpy as np

from pipeline.animation.camera import Camera


def residual(camera: Camera, frame: np.ndarray, following: np.ndarray, index: int) -> float:
    """Mean absolute difference (0-1 pixel units) between frame index + 1 and frame index's camera step."""
    return float(np.abs(following - camera.warp(frame, index / camera.fps)).mean())


def local_jumps(residuals: list[float], dreamed: list[bool]) -> list[float]:
    """For each step into a dreamed frame that has in-betweens near it: its residual over the median
    residual of the steps into in-betweens at most one cadence span (the distance to the previous dream)
    before or after it. residuals[k] is the step (k, k+1); dreamed[k] says whether frame k was dreamed."""
    into_dream = [k for k in range(len(residuals)) if dreamed[k + 1]]
    jumps, previous_dream = [], 0
    for k in into_dream:
        span = k + 1 - previous_dream
        previous_dream = k + 1
        near = [
            residuals[m]
            for m in range(max(0, k - span), min(len(residuals), k + span + 1))
            if not dreamed[m + 1]
        ]
        if near:
            jumps.append(residuals[k] / max(statistics.median(near), 1e-12))
    return jumps


def summarise(residuals: list[float], dreamed: list[bool]) -> dict:
    """Mean, median and worst residual; `jump`, the worst step into a dreamed frame over the whole video's
    median; `local_jump`, the worst of local_jumps() (<= 1.5: no visible jump at the dreamed frames).
    Both are None when every frame was dreamed. residuals[k] is the pair (k, k+1)."""
    median = statistics.median(residuals)
    into_dreams = [r for r, into in zip(residuals, dreamed[1:]) if into]
    jumps = local_jumps(residuals, dreamed)
    return {
        "mean": statistics.fmean(residuals),
        "worst": max(residuals),
        "median": median,
        "jump": None if all(dreamed) or not into_dreams else max(into_dreams) / max(median, 1e-12),
        "local_jump": max(jumps) if jumps else None,
    }
