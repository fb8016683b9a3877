"""Which settings read the soundtrack, found when the config is composed (no audio is touched then).

A render analyses its track only if some keyframable setting (pipeline.animation.curves.KEYS) calls a
music function or the layer schedule counts beats; without a track, that setting is named in one line
before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.animation.curves import Curves, sections_of
from pipeline.errors import UserError

BEAT_UNITS = ("beats", "bars")


@dataclass
class MusicConfig:
    half_life: float = 0.1  # seconds for a beat(t)/bar(t) pulse to fall to half; beat(t, 0.3) overrides it
    beats_per_bar: int = 4  # beats in a bar: for bar(t) and layer_schedule.unit=bars (3 for a waltz)

    def __post_init__(self) -> None:
        if not self.half_life > 0:
            raise UserError(
                f"music.half_life must be a positive number of seconds (0.1 is snappy), got {self.half_life}"
            )
        if self.beats_per_bar < 1:
            raise UserError(
                f"music.beats_per_bar must be 1 or more (4 for most music), got {self.beats_per_bar}"
            )


def music_keys(config: object) -> dict[str, frozenset[str]]:
    """Dotted key -> music functions its keyframe string calls, for every keyframable setting of a root
    config (the one list, pipeline.animation.curves.KEYS)."""
    curves = Curves(sections_of(config)).curves
    return {key: curve.needs for key, curve in curves.items() if curve.needs}


def check_music_source(keys: dict[str, frozenset[str]], unit: str, has_sound: bool) -> None:
    """One line naming the setting when the soundtrack is asked for but there is none."""
    if has_sound:
        return
    how = "set audio=path/to/track.wav (WAV, MP3, M4A or FLAC) or render a clip with sound"
    for key, needs in keys.items():
        name = sorted(needs)[0]
        raise UserError(
            f"{key} uses {name}(t), which reads the soundtrack, but there is none: {how}, "
            f"or drop {name}() from {key}"
        )
    if unit in BEAT_UNITS:
        raise UserError(
            f"layer_schedule.unit={unit} counts the soundtrack's beats, but there is none: "
            f"{how}, or use layer_schedule.unit=seconds"
        )
