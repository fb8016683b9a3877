"""audio_analysis.png: the soundtrack's signals, its beats, and the settings that follow them, on one
time axis, written before the first frame so a user can see at a glance whether the motion lines up."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pipeline.animation.signals import LEVELS, MusicSignals
from pipeline.errors import UserError
from pipeline.output.frames import write_atomically

PLOT = "audio_analysis.png"


def plot_analysis(signals: MusicSignals, curves: dict[str, Callable[[float], float]], frames: int,
                  path: Path) -> Path:  # fmt: skip
    """One panel of the signals (0..1) and one per keyframed setting that reads them, sampled at every
    video frame; thin lines mark the beats, thick ones the first beat of each bar."""
    try:
        from matplotlib.figure import Figure  # no pyplot: no global state, the Agg canvas by default
    except ImportError:
        raise UserError("the audio_analysis.png plot needs matplotlib: pip install -e '.[music]'") from None
    times = np.arange(frames) / signals.fps
    figure = Figure(figsize=(12, 2.4 * (1 + len(curves))), dpi=100, layout="constrained")
    axes = figure.subplots(1 + len(curves), 1, sharex=True, squeeze=False)[:, 0]
    for name in LEVELS:
        axes[0].plot(times, signals.levels[name], lw=1, label=f"{name}(t)")
    axes[0].plot(times, [signals.value("beat", t) for t in times], "k", lw=0.8, alpha=0.6, label="beat(t)")
    axes[0].set_ylabel("signal (0..1)")
    axes[0].legend(loc="upper right", ncols=6, fontsize="small")
    axes[0].set_title(f"soundtrack: {signals.tempo:.1f} BPM, {len(signals.beats)} beats  (lines: beats, "
                      f"thick: first beat of a bar of {signals.beats_per_bar})")  # fmt: skip
    for axis, (key, curve) in zip(axes[1:], curves.items()):
        axis.plot(times, [curve(t) for t in times], "C3", lw=1.2, marker=".", ms=3)
        axis.set_ylabel(key)
    beats = signals.beats[signals.beats <= times[-1] + 0.5 / signals.fps]
    for axis in axes:
        axis.vlines(beats, 0, 1, transform=axis.get_xaxis_transform(), colors="0.6", lw=0.5)
        bars = beats[:: signals.beats_per_bar]
        axis.vlines(bars, 0, 1, transform=axis.get_xaxis_transform(), colors="0.3", lw=1.2)
    axes[-1].set_xlabel("time (s) = frame / fps")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomically(path, buffer.getvalue())
    return path
