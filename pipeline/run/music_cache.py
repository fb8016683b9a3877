"""A render's soundtrack analysis, done once and kept in the run directory (music.json, written
atomically): a resume reloads it, so every frame of a resumed render reads exactly what the first run read.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pipeline.animation.music_config import MusicConfig
from pipeline.animation.signals import LEVELS, MusicSignals
from pipeline.output.frames import write_atomically
from pipeline.sources.music import analyse, decode_mono

CACHE = "music.json"


def analyse_for_render(
    audio_path: Path, fps: float, frame_count: int, run_dir: Path, music: MusicConfig | None = None
) -> MusicSignals:
    """The track's signals for this render: the run directory's cached analysis if it matches (a resume),
    else a fresh one, cached first. Both paths return what the cache file says, so they agree exactly."""
    music, cache = music or MusicConfig(), run_dir / CACHE
    record = _load(cache, fps, frame_count)
    if record is None:
        record = analyse(decode_mono(audio_path), fps, frame_count)
        record = {"source": str(audio_path), **record}
        write_atomically(cache, json.dumps(record).encode())
        record = _load(cache, fps, frame_count)
    levels = {name: np.asarray(record[name], dtype=np.float64) for name in LEVELS}
    beats = np.asarray(record["beats"], dtype=np.float64)
    return MusicSignals(fps, levels, beats, record["tempo"], music.half_life, music.beats_per_bar)


def _load(cache: Path, fps: float, frame_count: int) -> dict | None:
    """The cached analysis, if there is one for this frame rate and length."""
    if not cache.is_file():
        return None
    record = json.loads(cache.read_text())
    if record.get("fps") != fps or len(record.get("loud", ())) != frame_count:
        return None
    return record
