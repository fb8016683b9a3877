"""The `dream.*` settings: how hard each frame is dreamed, with steps and step size keyframeable over time.

The dreamer knows nothing of time; `DreamConfig.at(t)` turns these settings into the plain numbers
(DreamParams) it dreams one frame with. Which setting a frame reads (`DreamConfig.key_for`): the first
frame reads dream.steps and dream.lr; frames after it read dream.frame_steps / dream.frame_lr when set
(dream=default sets them), except where dream.steps / dream.lr is keyframed (it changes over the video:
keyframes, t or a music function) and the frame_ setting is not: then the user's keyframes drive every
dreamed frame, so 'dream.lr="0.04 + 0.1*loud(t)"' swells the light frames too. Keyframe the frame_
setting as well to give the light frames their own curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.animation.curves import MAX_STEPS, Curves
from pipeline.dreamer.settings import DreamParams
from pipeline.errors import UserError

__all__ = ["MAX_STEPS", "DreamConfig"]


@dataclass
class DreamConfig:
    octaves: int = 4  # pyramid levels; the smallest is the frame shrunk by octave_scale ** (octaves - 1)
    octave_scale: float = 1.4  # size ratio between neighbouring levels
    steps: str = "10"  # gradient-ascent steps per level; a number or keyframes over time ("0:(10), 5:(4)")
    lr: str = "0.09"  # step size in ImageNet-normalised pixel units (gradient is normalised); or keyframes
    jitter: int = 32  # largest random roll, in pixels, applied before each step and undone after
    smoothing: float = 0.5  # base sigma (pixels) of the gradient-smoothing cascade; grows over the steps
    # Video frames after the first start from the previous dream, zoomed: most of the dream is already
    # there, so they need fewer octaves and steps. null: the same as the first frame.
    frame_octaves: int | None = None  # pyramid levels for frames after the first
    frame_steps: str | None = None  # steps per level for frames after the first (number or keyframes)
    frame_lr: str | None = None  # step size for frames after the first (number or keyframes)
    # Bounded memory at any size: levels above tile_pixels compute the gradient in tile x tile pieces
    # (exactly the same gradient; margins cost extra time, so smaller levels run whole).
    tile_pixels: int = 2_500_000  # pixels of a level above which it is tiled (1080p is 2.07 million)
    # side of a tile in pixels, a multiple of 16 (memory grows with its square, plus a receptive field of
    # margin each side: docs/networks.md lists them; each window starts on its network's own output grid)
    tile: int = 1024
    # Guided dreaming: grow the features of a guide image (per stage: layer_schedule.stages[i].guide).
    guide: str | None = None  # image whose features every stage without its own guide dreams towards
    guide_weight: float = 1.0  # 0..1: 0 plain DeepDream, 1 only the match to the guide's features

    def __post_init__(self) -> None:
        if not 0.0 <= self.guide_weight <= 1.0:
            raise UserError(f"dream.guide_weight must be between 0 and 1, got {self.guide_weight}")
        for name in ("octaves", "frame_octaves"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UserError(f"dream.{name} must be at least 1, got {value}")
        if not (math.isfinite(self.octave_scale) and self.octave_scale > 1.0):
            raise UserError(f"dream.octave_scale must be above 1 (1.4 is typical), got {self.octave_scale}")
        if self.jitter < 0:
            raise UserError(f"dream.jitter must be 0 or more pixels, got {self.jitter}")
        if self.smoothing <= 0:
            raise UserError(f"dream.smoothing must be positive (0.5 is typical), got {self.smoothing}")
        if self.tile < 16 or self.tile % 16 or self.tile_pixels < 1:
            raise UserError(
                f"dream.tile must be a multiple of 16 (tiles are cut on a 16 px grid), got {self.tile}; "
                f"dream.tile_pixels must be >= 1, got {self.tile_pixels}"
            )
        self.at(0.0, first_frame=True)  # parses the keyframes and checks the first values
        self.at(0.0, first_frame=False)

    def at(self, t: float, first_frame: bool = True, curves: Curves | None = None) -> DreamParams:
        """The numbers one frame is dreamed with: keyframed strength evaluated at t seconds. `curves`: the
        render's (read with its soundtrack); without them these settings alone, music read as silence."""
        curves = curves if curves is not None else Curves({"dream": self})
        octaves = self.octaves if first_frame or self.frame_octaves is None else self.frame_octaves
        steps = round(curves.at(self.key_for("steps", first_frame, curves), t))
        lr = curves.at(self.key_for("lr", first_frame, curves), t)
        return DreamParams(
            octaves, self.octave_scale, steps, lr, self.jitter, self.smoothing, self.tile_pixels, self.tile
        )

    @staticmethod
    def key_for(name: str, first_frame: bool, curves: Curves) -> str:
        """The setting ("steps" or "lr") a frame reads, by the rule in this module's docstring."""
        whole, light = f"dream.{name}", f"dream.frame_{name}"
        if first_frame or light not in curves or (curves.varies(whole) and not curves.varies(light)):
            return whole
        return light

    def notes(self, curves: Curves) -> list[str]:
        """A line for each keyframed setting that drives the light frames in place of a frame_ setting."""
        return [
            f"dream.{name} is keyframed, so the dreamed frames after the first follow it too (not "
            f"dream.frame_{name}={getattr(self, 'frame_' + name)}); keyframe dream.frame_{name} to give "
            "them their own"
            for name in ("steps", "lr")
            if f"dream.frame_{name}" in curves and self.key_for(name, False, curves) == f"dream.{name}"
        ]

    @property
    def most_octaves(self) -> int:
        return max(self.octaves, self.frame_octaves or 0)
