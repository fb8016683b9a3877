"""The `coherence.*` settings: what carries over from one dreamed frame of a clip to the next.

Checked without OpenCV; pipeline.animation.coherence does the work (DIS optical flow and its presets).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.cli.choices import Choice
from pipeline.errors import UserError


class Mode(Choice):
    none = "none"  # each frame dreamed alone
    blend = "blend"  # mix the last dream into the next input
    flow = "flow"  # carry the last dream's detail along the clip's optical flow


class FlowPreset(Choice):
    """DIS optical flow quality, fastest first (coherence.PRESETS)."""

    ultrafast = "ultrafast"
    fast = "fast"
    medium = "medium"
    fine = "fine"


@dataclass
class CoherenceConfig:
    mode: Mode = (
        Mode.flow
    )  # none: frames dreamed alone | blend: mix in the last dream | flow: carry its detail
    blend: float = 0.5  # blend: weight of the previous dream in the next input, 0..1
    detail: float = 1.0  # flow: share of the warped detail carried onto the next frame, 0..1
    consistency: float = 1.0  # flow: forward-backward round-trip miss (px) above which a pixel is occluded
    photometric: float = 0.1  # flow: colour error of the warped previous source above which it is occluded
    feather: float = 1.0  # flow: softness of the occlusion mask's edge (Gaussian sigma, pixels; 0: hard)
    max_detail: float = 0.25  # flow: |warped detail| is squashed (tanh) below this, frame units ([0, 1])
    cut: float = 0.5  # flow: share of occluded pixels above which the frame is a scene cut, dreamed fresh
    preset: FlowPreset = (
        FlowPreset.medium
    )  # flow: DIS optical flow quality: ultrafast | fast | medium | fine (slowest)

    def __post_init__(self) -> None:
        for name in ("blend", "detail", "cut"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise UserError(f"coherence.{name} must be between 0 and 1, got {getattr(self, name)}")
        for name in ("consistency", "photometric", "max_detail"):
            if getattr(self, name) <= 0:
                raise UserError(f"coherence.{name} must be above 0, got {getattr(self, name)}")
        if self.feather < 0:
            raise UserError(f"coherence.feather must be >= 0 px (0: hard mask edges), got {self.feather}")
