"""The soundtrack as functions of time: what `loud(t)`, `beat(t)` ... read once a render has analysed it.

Analysis (pipeline/sources/music.py) measures one value per video frame; this module only samples those
numbers, so it needs no audio library and a resume that reloads them gets the very same values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.animation.music_config import MusicConfig

LEVELS = ("loud", "onset", "low", "mid", "high")  # per-frame signals, each 0..1 over the track
PULSES = ("beat", "bar")  # 1 on a beat (bar: its first beat), halving every half-life seconds after it


@dataclass(eq=False)  # hashed by identity: parsed keyframes bound to it are cached per render
class MusicSignals:
    """Per-frame levels (frame i at i/fps seconds), the beat times in seconds and the tempo in BPM."""

    fps: float
    levels: dict[str, np.ndarray]  # name in LEVELS -> one value per video frame, 0..1
    beats: np.ndarray  # seconds, increasing
    tempo: float  # beats per minute, fitted to the beats
    half_life: float = MusicConfig.half_life  # seconds
    beats_per_bar: int = MusicConfig.beats_per_bar

    def __post_init__(self) -> None:
        # Pulses peak on the frame on screen when the beat sounds (frame i shows [i/fps, (i+1)/fps)),
        # the same frame whose loudness holds the beat's sound.
        self.beat_frames = np.floor(self.beats * self.fps + 1e-6) / self.fps

    def value(self, name: str, t: float, *args: float) -> float:
        """The signal `name` at t seconds: the keyframe language's music functions land here."""
        if name in LEVELS:
            series = self.levels[name]
            return float(np.interp(t * self.fps, np.arange(len(series)), series))
        if name == "phase":
            return self.beat_position(t) % 1.0
        half_life = args[0] if args else self.half_life
        if not half_life > 0:
            raise ValueError(f"{name}() half-life must be a positive number of seconds, got {half_life:g}")
        starts = self.beat_frames if name == "beat" else self.beat_frames[:: self.beats_per_bar]
        last = np.searchsorted(starts, t + 1e-9, side="right") - 1
        return 0.0 if last < 0 else 0.5 ** ((t - starts[last]) / half_life)

    def beat_position(self, t: float) -> float:
        """Beats since the first detected beat (fractional); beyond the detected beats, the tempo
        carries the count on, so a schedule can name beat 64 of a track whose tracker stopped at 60."""
        beats, per_second = self.beats, self.tempo / 60.0
        if len(beats) == 0:
            return t * per_second
        if t < beats[0]:
            return (t - beats[0]) * per_second
        if t > beats[-1]:
            return len(beats) - 1 + (t - beats[-1]) * per_second
        return float(np.interp(t, beats, np.arange(len(beats))))

    def at_frame(self, names: set[str] | frozenset[str], t: float) -> dict[str, float]:
        """The values the manifest records for one frame (defaults for optional arguments)."""
        return {name: round(self.value(name, t), 6) for name in sorted(names)}
