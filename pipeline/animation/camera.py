"""The camera: per-second zoom, rotation and pan (constants or keyframes) -> one affine warp per frame."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.animation.curves import Curves
from pipeline.animation.motion_config import CURVES, Border, MotionConfig

BORDERS = {
    Border.reflect: cv2.BORDER_REFLECT_101,
    Border.replicate: cv2.BORDER_REPLICATE,
    Border.wrap: cv2.BORDER_WRAP,
}


class Camera:
    """Turns per-second rates into the warp between frame t and the next one (`rate ** (1/fps)` for
    zoom, `rate / fps` for the rest), so a video moves the same at 24 and 60 fps."""

    def __init__(self, cfg: MotionConfig, fps: float, width: int, height: int, curves: Curves | None = None):
        """`curves`: the render's settings over time (motion.* read with its soundtrack); without them
        these settings alone, music read as silence."""
        self.fps, self.width, self.height = fps, width, height
        self.border, self.cover = BORDERS[cfg.border], cfg.cover
        self.curves = curves if curves is not None else Curves({"motion": cfg})

    def values_at(self, t: float) -> dict[str, float]:
        """The per-second rates in force at time t (seconds); with `cover`, the zoom actually used."""
        values = self._rates(t)
        if self.cover:
            needed = covering_zoom(values["angle"] / self.fps, self.focus(values), self.width, self.height)
            values["zoom"] = max(values["zoom"], needed**self.fps)
        return values

    def _rates(self, t: float) -> dict[str, float]:
        """Each motion.* rate at t, range-checked (a finite number, a zoom above 0)."""
        return {name: self.curves.at(f"motion.{name}", t) for name in CURVES}

    def focus(self, values: dict[str, float]) -> np.ndarray:
        return np.array([values["focus_x"] * (self.width - 1), values["focus_y"] * (self.height - 1)])

    def matrix(self, t: float) -> np.ndarray:
        """2x3 affine that moves the frame shown at t to the frame shown one frame later."""
        rates = self.values_at(t)
        shift = np.array([rates["shift_x"] * self.width, rates["shift_y"] * self.height])
        return frame_step(rates["zoom"], rates["angle"], self.focus(rates), shift, self.fps)

    def warp(self, frame: np.ndarray, t: float) -> np.ndarray:
        """Move the camera one frame (the step from t to t + 1/fps)."""
        return self.apply(frame, self.matrix(t))

    def apply(self, frame: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """Warp by a 2x2+translation matrix. Cubic keeps detail through hundreds of feedback warps; it
        overshoots, so the result is clipped back into [0, 1]."""
        warped = cv2.warpAffine(
            frame, matrix, (self.width, self.height), flags=cv2.INTER_CUBIC, borderMode=self.border
        )
        return np.clip(warped, 0.0, 1.0, out=warped)  # in place: the warp's own new array

    def moved(self) -> bool:
        """Whether this camera moves at all (a still camera leaves a clip's framing untouched)."""
        return any(not np.allclose(self.matrix(t), np.eye(2, 3)) for t in (0.0, 1.0, 10.0))


def _similarity(scale: float, angle_deg: float) -> np.ndarray:
    """2x2 part of cv2.getRotationMatrix2D: scale and counter-clockwise rotation in image coordinates."""
    a, b = scale * np.cos(np.radians(angle_deg)), scale * np.sin(np.radians(angle_deg))
    return np.array([[a, b], [-b, a]])


def frame_step(zoom: float, angle: float, centre: np.ndarray, shift: np.ndarray, fps: float) -> np.ndarray:
    """One frame's share of a second's motion (zoom and rotation about `centre`, then `shift` pixels).

    A second of motion is a similarity x -> S x + t. Its per-frame step keeps the same fixed point p
    (S p + t = p) and takes the fps-th root of the scale and 1/fps of the angle, so fps steps compose
    to exactly that second at any frame rate; linear per-frame shares would not.
    """
    per_second = _similarity(zoom, angle)
    translation = centre - per_second @ centre + shift
    step = _similarity(zoom ** (1.0 / fps), angle / fps)
    fixed = np.eye(2) - per_second
    if abs(np.linalg.det(fixed)) < 1e-12:  # a pure pan has no fixed point: share it out evenly
        step_translation = translation / fps
    else:
        point = np.linalg.solve(fixed, translation)
        step_translation = point - step @ point
    return np.hstack([step, step_translation[:, None]])


def covering_zoom(angle: float, focus: np.ndarray, width: int, height: int) -> float:
    """Smallest zoom at which a rotation by `angle` degrees about `focus` samples only inside the frame.

    About the centre of a landscape frame this is cos(a) + (W/H) sin(a) (1.031 for 1 degree at 16:9);
    off-centre it is found by bisection on the four corners.
    """
    corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]], dtype=np.float64)

    def covered(scale: float) -> bool:
        inverse = cv2.invertAffineTransform(cv2.getRotationMatrix2D(tuple(focus), angle, scale))
        sources = corners @ inverse[:, :2].T + inverse[:, 2]
        return bool(np.all(sources >= -1e-6) and np.all(sources <= corners[-1] + 1e-6))

    low, high = 1.0, 1.0
    while not covered(high) and high < 1e3:
        low, high = high, high * 2
    for _ in range(50):
        middle = (low + high) / 2
        low, high = (low, middle) if covered(middle) else (middle, high)
    return high
