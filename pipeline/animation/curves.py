"""Every keyframable setting of a render, parsed in one place with the render's soundtrack, and checked.

The rule: the settings named in KEYS are the keyframable ones; each may call any music function, and all
of them read the one analysed track the render was given (pipeline.animation.signals), or silence while
a config is only being checked. Nothing else parses a setting for rendering: the camera, the dream's
strength and the colour match take their values from a Curves, so no setting can read its expression
without the render's signals. Each key has its range here, and `check_over` evaluates every one at every
frame's time before frame 0, so a value that leaves its range late in the video stops the render at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from pipeline.animation.keyframes import Keyframed, Signals, parse_keyframes
from pipeline.errors import UserError

MAX_STEPS = 1000  # steps per octave: far past any useful dream, short of a keyframe that hangs a render
_parse = lru_cache(maxsize=256)(parse_keyframes)  # the same text and signals parse once per process


@dataclass(frozen=True)
class Range:
    ok: Callable[[float], bool]
    want: str  # what the message says the value must be


_STEPS = Range(lambda v: 0.5 <= v < MAX_STEPS + 0.5, f"must be 1..{MAX_STEPS} steps per octave")
_LR = Range(lambda v: v > 0, "must be positive (0.09 is typical)")
_FINITE = Range(lambda v: True, "must stay a finite number")
KEYS: dict[str, Range] = {
    "dream.steps": _STEPS,
    "dream.lr": _LR,
    "dream.frame_steps": _STEPS,
    "dream.frame_lr": _LR,
    "motion.zoom": Range(lambda v: v > 0, "must stay above 0 (1.0 holds still)"),
    **{f"motion.{name}": _FINITE for name in ("angle", "shift_x", "shift_y", "focus_x", "focus_y")},
    "colour.strength": Range(lambda v: 0.0 <= v <= 1.0, "must be between 0 and 1"),
}


def keyframed_settings(sections: Mapping[str, object]) -> dict[str, str]:
    """KEYS that are set (not null) in the given sections ({"dream": DreamConfig, ...}), with their text."""
    found = {}
    for key in KEYS:
        section, _, name = key.partition(".")
        value = getattr(sections.get(section), name, None)
        if value is not None:
            found[key] = value
    return found


def sections_of(cfg: object) -> dict[str, object]:
    """The keyframable sections of a root config (stills have no motion or colour)."""
    return {name: getattr(cfg, name, None) for name in {key.partition(".")[0] for key in KEYS}}


class Curves:
    """The keyframable settings of one render as functions of t (seconds), each value range-checked."""

    def __init__(self, sections: Mapping[str, object], signals: Signals | None = None):
        self.signals = signals
        self.curves: dict[str, Keyframed] = {
            key: _parse(text, name=key, signals=signals) for key, text in keyframed_settings(sections).items()
        }

    @classmethod
    def for_render(cls, cfg: object, signals: Signals | None) -> Curves:
        return cls(sections_of(cfg), signals)

    def __contains__(self, key: str) -> bool:
        return key in self.curves

    def varies(self, key: str) -> bool:
        """Whether the value changes over the video (keyframes, t, or the soundtrack)."""
        return not self.curves[key].is_constant

    def at(self, key: str, t: float) -> float:
        value = self.curves[key](t)
        if not (math.isfinite(value) and KEYS[key].ok(value)):
            raise UserError(f"{key} {KEYS[key].want}, but is {value:g} at t={t:g}s")
        return value

    def check_over(self, fps: float, frames: int) -> None:
        """Every setting at every frame's time (a constant once), before the first frame is dreamed."""
        for key in self.curves:
            for index in range(frames if self.varies(key) else min(frames, 1)):
                self.at(key, index / fps)
