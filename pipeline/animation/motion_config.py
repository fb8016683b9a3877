"""The `motion.*` settings: the camera's per-second zoom, rotation and pan, each a number or keyframes.

Checked without OpenCV; pipeline.animation.camera turns them into one warp per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.animation.curves import Curves
from pipeline.cli.choices import Choice

CURVES = ("zoom", "angle", "shift_x", "shift_y", "focus_x", "focus_y")


class Border(Choice):
    """What fills pixels pulled in from outside the frame (OpenCV's REFLECT_101, REPLICATE, WRAP)."""

    reflect = "reflect"
    replicate = "replicate"
    wrap = "wrap"


@dataclass
class MotionConfig:
    # Each of these is a number or a keyframe string such as "0:(1.02), 4:(1.05)" (times in seconds).
    zoom: str = "1.0"  # zoom factor per second about the focal point; > 1 dives in, 1 holds still
    angle: str = "0"  # rotation in degrees per second, counter-clockwise, about the focal point
    shift_x: str = "0"  # pan in frame widths per second; positive moves the picture right
    shift_y: str = "0"  # pan in frame heights per second; positive moves the picture down
    focus_x: str = "0.5"  # focal point of zoom and rotation, in frame widths from the left (0.5: centre)
    focus_y: str = "0.5"  # focal point, in frame heights from the top (0.5: centre)
    cover: bool = False  # raise the zoom just enough that rotation never samples outside the frame
    border: Border = Border.reflect  # what fills pixels pulled in from outside: reflect | replicate | wrap

    def __post_init__(self) -> None:
        curves = Curves({"motion": self})  # parses each one and checks its first value
        for name in CURVES:
            curves.at(f"motion.{name}", 0.0)
