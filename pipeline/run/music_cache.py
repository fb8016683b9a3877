"""A render's soundtrack analysis, done once and kept in the run directory (music.json, written
atomically): a resume reloads it, so every frame of a resumed render reads exactly what the first run read.

The cache records what it was computed from: the track's absolute path, size and SHA-256, and the frame
rate. It is reused only while those still match; a fresh render into the folder analyses a changed or
different track afresh, and a resume refuses one in one line (its frames already moved to the old one).
The whole track is analysed, whatever the video's length, so its levels are scaled to the track's
loudest frame: a resume with a longer `frames` reads the very same numbers for the frames already made.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from pipeline.animation.music_config import MusicConfig
from pipeline.animation.signals import LEVELS, MusicSignals
from pipeline.cli.quoting import shell_path
from pipeline.errors import UserError
from pipeline.output.frames import write_atomically
from pipeline.sources.music import RATE, analyse, decode_mono

CACHE = "music.json"
VERSION = 2  # 2: records its source and covers the whole track


def fingerprint(path: Path) -> dict:
    """What an analysis was computed from: the file's absolute path, size and content hash."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return {"path": str(path.resolve()), "size": path.stat().st_size, "sha256": digest.hexdigest()}


def analyse_for_render(
    audio_path: Path,
    fps: float,
    frame_count: int,
    run_dir: Path,
    music: MusicConfig | None = None,
    resuming: bool = False,
) -> MusicSignals:
    """The track's signals for this render: the run directory's cached analysis if it was made from this
    very track at this rate, else a fresh one, cached first (a resume refuses instead). Both paths return
    what the cache file says, so they agree exactly."""
    music, cache, source = music or MusicConfig(), run_dir / CACHE, fingerprint(Path(audio_path))
    record = _load(cache, source, fps, frame_count, resuming)
    if record is None:
        samples = decode_mono(audio_path)
        track_frames = max(1, math.ceil(len(samples) / RATE * fps - 1e-6))
        record = {"version": VERSION, "source": source, **analyse(samples, fps, track_frames)}
        write_atomically(cache, json.dumps(record).encode())
        record = _load(cache, source, fps, frame_count, resuming)
    levels = {name: _fit(record[name], frame_count) for name in LEVELS}
    beats = np.asarray(record["beats"], dtype=np.float64)
    return MusicSignals(fps, levels, beats, record["tempo"], music.half_life, music.beats_per_bar)


def _fit(values: list, frames: int) -> np.ndarray:
    """One value per video frame: the track's own, and silence (0) for frames past its end."""
    series = np.zeros(frames)
    kept = np.asarray(values[:frames], dtype=np.float64)
    series[: len(kept)] = kept
    return series


def _load(cache: Path, source: dict, fps: float, frame_count: int, resuming: bool) -> dict | None:
    """The cached analysis if it was made from `source` at `fps`; None to analyse afresh. A resume
    keeps its numbers or stops: a corrupt cache or another track is one line."""
    if not cache.is_file():
        return None
    try:
        record = json.loads(cache.read_text())
        assert isinstance(record, dict) and isinstance(record.get("loud"), list)
    except (OSError, ValueError, AssertionError) as error:
        if resuming:
            raise UserError(
                f"{shell_path(cache)} is unreadable ({type(error).__name__}); delete it to "
                "analyse the soundtrack again"
            ) from None
        return None
    if record.get("fps") != fps:
        return _refused(cache, "another frame rate") if resuming else None
    if record.get("version") != VERSION:  # made before caches recorded their source: a resume trusts it
        if not resuming:
            return None
        return record if len(record["loud"]) == frame_count else _refused(cache, "another length of video")
    made_from = record.get("source") or {}
    if (made_from.get("size"), made_from.get("sha256")) != (source["size"], source["sha256"]):
        return _refused(cache, f"{shell_path(made_from.get('path', '?'))}") if resuming else None
    return record


def _refused(cache: Path, what: str) -> None:
    raise UserError(
        f"resume: the soundtrack is not the one {shell_path(cache.parent)} was analysed from ({what}), so "
        "its frames would move to another song: pass that track as audio= (or restore it), or start a "
        "new render"
    )
