"""audio_analysis.png: the soundtrack's signals, its beats, and the settings that follow them, on one
time axis, written before the first frame so a user can see at a glance whether the motion lines up."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import UserError
from pipeline.output.frames import write_atomically

PLOT = "audio_analysis.png"


def plot_analysis(
    path: Path,
    times: Sequence[float],
    signals: dict[str, Sequence[float]],
    curves: dict[str, Sequence[float]],
    beats: Sequence[float],
    downbeats: Sequence[float],
    title: str,
) -> Path:
    """One panel of the signals (0..1) and one per setting that reads them, each sampled at the video
    frames' `times` (s); thin lines mark the `beats`, thick ones the `downbeats` (first of each bar)."""
    try:
        from matplotlib.figure import Figure  # no pyplot: no global state, the Agg canvas by default
    except ImportError:
        raise UserError("the audio_analysis.png plot needs matplotlib: pip install -e '.[music]'") from None
    figure = Figure(figsize=(12, 2.4 * (1 + len(curves))), dpi=100, layout="constrained")
    axes = figure.subplots(1 + len(curves), 1, sharex=True, squeeze=False)[:, 0]
    for name, values in signals.items():
        style = {"color": "k", "alpha": 0.6, "lw": 0.8} if name.startswith("beat") else {"lw": 1}
        axes[0].plot(times, values, label=name, **style)
    axes[0].set_ylabel("signal (0..1)")
    axes[0].legend(loc="upper right", ncols=len(signals), fontsize="small")
    axes[0].set_title(title)
    for axis, (key, values) in zip(axes[1:], curves.items()):
        axis.plot(times, values, "C3", lw=1.2, marker=".", ms=3)
        axis.set_ylabel(key)
    for axis in axes:
        axis.vlines(beats, 0, 1, transform=axis.get_xaxis_transform(), colors="0.6", lw=0.5)
        axis.vlines(downbeats, 0, 1, transform=axis.get_xaxis_transform(), colors="0.3", lw=1.2)
    axes[-1].set_xlabel("time (s) = frame / fps")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomically(path, buffer.getvalue())
    return path
