"""The `dream.*` settings: how hard each frame is dreamed, with steps and step size keyframeable over time.

The dreamer knows nothing of time; `DreamConfig.at(t)` turns these settings into the plain numbers
(DreamParams) it dreams one frame with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pipeline.animation.keyframes import Signals, parse_keyframes
from pipeline.dreamer.settings import DreamParams
from pipeline.errors import UserError

MAX_STEPS = 1000  # steps per octave: far past any useful dream, short of a keyframe that hangs a render
# `DreamConfig.at` runs every frame: parse each keyframe string once, not once per frame.
_curve = lru_cache(maxsize=256)(parse_keyframes)


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
        if self.octave_scale <= 1.0:
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

    def at(self, t: float, first_frame: bool = True, signals: Signals | None = None) -> DreamParams:
        """The numbers one frame is dreamed with: keyframed strength evaluated at t seconds."""
        octaves = self.octaves if first_frame or self.frame_octaves is None else self.frame_octaves
        name, text = ("dream.steps", self.steps)
        if not first_frame and self.frame_steps is not None:
            name, text = ("dream.frame_steps", self.frame_steps)
        lr_name, lr_text = ("dream.lr", self.lr)
        if not first_frame and self.frame_lr is not None:
            lr_name, lr_text = ("dream.frame_lr", self.frame_lr)
        steps = _curve(text, name=name, signals=signals)(t)
        lr = _curve(lr_text, name=lr_name, signals=signals)(t)
        if not (math.isfinite(steps) and 0.5 <= steps < MAX_STEPS + 0.5):
            raise UserError(f"{name} must be 1..{MAX_STEPS} steps per octave, but is {steps:g} at t={t:g}s")
        if not (math.isfinite(lr) and lr > 0):
            raise UserError(f"{lr_name} must be positive (0.09 is typical), but is {lr:g} at t={t:g}s")
        steps = round(steps)
        return DreamParams(
            octaves, self.octave_scale, steps, lr, self.jitter, self.smoothing, self.tile_pixels, self.tile
        )

    def check_over(self, fps: float, frames: int, signals: Signals | None = None) -> None:
        """Evaluate the keyframed strength at every frame's time, so a value that leaves its range late
        in the video (or would hang a frame) is refused before the first frame, not when reached."""
        for index in range(frames):
            self.at(index / fps, first_frame=index == 0, signals=signals)

    @property
    def most_octaves(self) -> int:
        return max(self.octaves, self.frame_octaves or 0)
