"""Colour coherence at work: match a frame's colour distribution to a reference's, part of the way.

Conversions are OpenCV's on float32 RGB (LAB: L 0..100, a/b about -127..127; HSV: H 0..360 degrees, S and
V 0..1). `meanstd` moves each channel's mean and standard deviation to the reference's (Reinhard et al.,
"Color Transfer between Images", 2001, who do it in a LAB-like space); `histogram` maps each channel's
whole distribution onto the reference's, exactly even where a dream has blown many pixels out to one value
(animation/histogram_match.py).

Speed: the match runs on every dreamed frame. The reference's side (its sorted values, or its mean and
spread) is computed once, when it becomes the reference; each frame is sorted once per channel.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from pipeline.animation.colour import ColourConfig
from pipeline.animation.curves import Curves
from pipeline.animation.histogram_match import Histograms

_TO = {"lab": cv2.COLOR_RGB2LAB, "hsv": cv2.COLOR_RGB2HSV}
_FROM = {"lab": cv2.COLOR_LAB2RGB, "hsv": cv2.COLOR_HSV2RGB}


def to_space(rgb: np.ndarray, space: str) -> np.ndarray:
    rgb = np.clip(rgb, 0.0, 1.0).astype(np.float32, copy=False)
    return cv2.cvtColor(rgb, _TO[space]) if space in _TO else rgb


def from_space(values: np.ndarray, space: str) -> np.ndarray:
    """Back to RGB in [0, 1]; out-of-range values from the match are brought into range first (hue wraps
    around the circle, the other channels are clipped). A float32 `values` is changed in place."""
    values = values.astype(np.float32, copy=False)
    if space == "hsv":
        np.mod(values[..., 0], 360.0, out=values[..., 0])
        np.clip(values[..., 1:], 0.0, 1.0, out=values[..., 1:])
    elif space == "lab":
        np.clip(values[..., 0], 0.0, 100.0, out=values[..., 0])
    rgb = cv2.cvtColor(values, _FROM[space]) if space in _FROM else values
    return np.clip(rgb, 0.0, 1.0, out=rgb)


class Meanstd:
    """The reference's mean and spread per channel, for moving a frame's to them (computed once)."""

    def __init__(self, reference: np.ndarray):
        axes = tuple(range(reference.ndim - 1))
        self.mean, self.spread = reference.mean(axis=axes), reference.std(axis=axes)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Each channel shifted and scaled so its mean and spread equal the reference's."""
        axes = tuple(range(values.ndim - 1))
        mean, spread = values.mean(axis=axes), values.std(axis=axes)
        return (values - mean) * (self.spread / np.maximum(spread, 1e-6)) + self.mean


class ColourMatch:
    """Pulls frames towards one reference (float32 RGB HWC in [0, 1]), converted to the space once."""

    def __init__(
        self,
        cfg: ColourConfig,
        fps: float,
        reference: np.ndarray | None = None,
        keep: Callable[[np.ndarray], None] | None = None,
        curves: Curves | None = None,
    ):
        """`keep` is told the reference when a frame becomes it (match=first), so a resume can reload it;
        `curves`: the render's settings over time (colour.strength read with its soundtrack)."""
        self.cfg, self.fps, self.keep = cfg, fps, keep
        self.curves = curves if curves is not None else Curves({"colour": cfg})
        self.reference = self.target = None
        if reference is not None:
            self.set_reference(reference)

    def set_reference(self, frame: np.ndarray) -> None:
        self.reference = frame.astype(np.float32)
        target = to_space(self.reference, self.cfg.space)
        self.target = Histograms(target) if self.cfg.method == "histogram" else Meanstd(target)

    def __call__(self, frame: np.ndarray, index: int) -> np.ndarray:
        """The frame pulled `strength` of the way to the reference's colours; with match=first, the first
        frame seen becomes the reference (and is returned as it is)."""
        if self.cfg.match == "none":
            return frame
        if self.target is None or (index == 0 and self.cfg.match == "first"):  # frame 0 *is* the reference
            self.set_reference(frame)
            if self.keep is not None:
                self.keep(self.reference)
            return frame
        strength = self.strength_at(index / self.fps)
        if strength == 0.0:
            return frame
        matched = from_space(self.target(to_space(frame, self.cfg.space)), self.cfg.space)
        matched -= frame  # frame + strength * (matched - frame), in place on the match's own array
        matched *= strength
        matched += frame
        return matched

    def strength_at(self, t: float) -> float:
        """colour.strength at t seconds (0..1), as the render's curves read it."""
        return self.curves.at("colour.strength", t)
