"""A render's soundtrack, set up once before the first frame: analysed (or reloaded on resume), plotted,
and what each frame's manifest record says it read."""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.animation.curves import Curves
from pipeline.animation.music_config import BEAT_UNITS, check_music_source
from pipeline.animation.signals import LEVELS, MusicSignals
from pipeline.config import RenderConfig
from pipeline.output.music_plot import PLOT, plot_analysis
from pipeline.run.music_cache import analyse_for_render
from pipeline.run.plan import Plan

log = logging.getLogger(__name__)


def music_for_render(cfg: RenderConfig, plan: Plan, out_dir: Path) -> MusicSignals | None:
    """The analysed track if any setting reads it (None otherwise: no analysis, no librosa needed)."""
    if not cfg.music_keys and cfg.layer_schedule.unit not in BEAT_UNITS:
        return None
    # Composing refused a render with no possible sound; whether a clip has its own is known only now.
    check_music_source(cfg.music_keys, cfg.layer_schedule.unit, plan.audio_source is not None)
    audio = Path(plan.audio_source)
    resuming = cfg.resume is not None
    signals = analyse_for_render(audio, plan.fps, plan.frame_count, out_dir, cfg.music, resuming)
    read = Curves.for_render(cfg, signals)  # as the render reads them (pipeline.animation.curves)
    curves = {key: read.curves[key] for key in cfg.music_keys}
    plot = _plot(signals, curves, plan.frame_count, out_dir / PLOT)
    log.info("soundtrack %s: %.1f BPM, %d beats; see %s", audio, signals.tempo, len(signals.beats), plot)
    return signals


def _plot(signals: MusicSignals, curves: dict, frames: int, path: Path) -> Path:
    """audio_analysis.png: every signal and every setting that reads them, at each frame's time."""
    times = [index / signals.fps for index in range(frames)]
    lines = {f"{name}(t)": signals.levels[name] for name in LEVELS}
    lines["beat(t)"] = [signals.value("beat", t) for t in times]
    beats = signals.beats[signals.beats < frames / signals.fps]
    title = (
        f"soundtrack: {signals.tempo:.1f} BPM, {len(signals.beats)} beats  (lines: beats, thick: "
        f"first beat of a bar of {signals.beats_per_bar})"
    )
    values = {key: [curve(t) for t in times] for key, curve in curves.items()}
    return plot_analysis(path, times, lines, values, beats, beats[:: signals.beats_per_bar], title)


def music_record(signals: MusicSignals | None, cfg: RenderConfig, t: float) -> dict:
    """For the manifest: the signals this frame's settings read at its time t (seconds)."""
    if signals is None:
        return {}
    record = signals.at_frame(frozenset().union(*cfg.music_keys.values()), t)
    if cfg.layer_schedule.unit in BEAT_UNITS:
        # beats heard by the end of this frame's time on screen: what the schedule counts
        record["beat_position"] = round(signals.beat_position(t + (1 - 1e-6) / signals.fps), 6)
    return {"music": record}
