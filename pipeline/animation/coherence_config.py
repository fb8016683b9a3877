"""The `coherence.*` settings: what carries over from one dreamed frame of a clip to the next.

Checked without OpenCV; pipeline.animation.coherence does the work (DIS optical flow and its presets).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import UserError

MODES = ("none", "blend", "flow")
PRESET_NAMES = ("ultrafast", "fast", "medium", "fine")  # DIS optical flow quality (coherence.PRESETS)


@dataclass
class CoherenceConfig:
    mode: str = "flow"  # none: frames dreamed alone | blend: mix in the last dream | flow: carry its detail
    blend: float = 0.5  # blend: weight of the previous dream in the next input, 0..1
    detail: float = 1.0  # flow: share of the warped detail carried onto the next frame, 0..1
    consistency: float = 1.0  # flow: forward-backward round-trip miss (px) above which a pixel is occluded
    photometric: float = 0.1  # flow: colour error of the warped previous source above which it is occluded
    feather: float = 1.0  # flow: softness of the occlusion mask's edge (Gaussian sigma, pixels; 0: hard)
    max_detail: float = 0.25  # flow: |warped detail| is squashed (tanh) below this, frame units ([0, 1])
    cut: float = 0.5  # flow: share of occluded pixels above which the frame is a scene cut, dreamed fresh
    preset: str = "medium"  # flow: DIS optical flow quality: ultrafast | fast | medium | fine (slowest)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UserError(f"coherence.mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.preset not in PRESET_NAMES:
            raise UserError(f"coherence.preset must be one of {', '.join(PRESET_NAMES)}, got {self.preset!r}")
        for name in ("blend", "detail", "cut"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise UserError(f"coherence.{name} must be between 0 and 1, got {getattr(self, name)}")
        for name in ("consistency", "photometric", "max_detail"):
            if getattr(self, name) <= 0:
                raise UserError(f"coherence.{name} must be above 0, got {getattr(self, name)}")
        if self.feather < 0:
            raise UserError(f"coherence.feather must be >= 0 px (0: hard mask edges), got {self.feather}")
