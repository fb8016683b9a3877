"""Line charts as inline SVG, drawn here rather than with a plotting library: a chart of a few hundred
points is a few kilobytes of text inside the page (no image file, no dependency), stays crisp at any zoom,
and its labels can be selected and searched. Hovering a point shows its frame and value."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pipeline.output.pages.page import esc

# Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2002), most distinct first.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#000000")
WIDTH, HEIGHT = 560, 170  # the drawing's size in CSS pixels (it scales with the page)
LEFT, RIGHT, TOP, BOTTOM = 58, 10, 8, 30  # margins for tick labels and the x-axis title, px
MAX_POINTS = 1000  # per series: longer series keep each bucket's extremes (spikes stay visible)
MAX_MARKERS = 150  # up to this many points in a chart, each gets a hover marker


@dataclass
class Series:
    name: str
    xs: list[float]  # x values (seconds into the video)
    ys: list[float]  # y values, in the chart's unit
    frames: list[int]  # the frame each point belongs to, for the hover text


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About `count` round values (1, 2 or 5 times a power of ten) inside [lo, hi]; after Heckbert,
    "Nice numbers for graph labels", Graphics Gems (1990)."""
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 12) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def thin(series: Series, limit: int = MAX_POINTS) -> Series:
    """At most about `limit` points: each bucket of consecutive points keeps its lowest and highest."""
    if len(series.xs) <= limit:
        return series
    size = math.ceil(len(series.xs) / (limit // 2))
    keep: list[int] = []
    for start in range(0, len(series.xs), size):
        bucket = range(start, min(start + size, len(series.xs)))
        keep += sorted({min(bucket, key=series.ys.__getitem__), max(bucket, key=series.ys.__getitem__)})
    pick = lambda values: [values[i] for i in keep]  # noqa: E731
    return Series(series.name, pick(series.xs), pick(series.ys), pick(series.frames))


def _span(values: list[float]) -> tuple[float, float]:
    """The range to draw: the values' own, a flat line given room around it, 4% headroom otherwise."""
    lo, hi = min(values), max(values)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.04
    return lo - pad, hi + pad


def line_chart(title: str, series: list[Series], x_label: str = "t (s)") -> str:
    """A <figure>: a caption naming the chart and keying its colours, then the SVG."""
    series = [thin(s) for s in series if s.xs]
    xs = [x for s in series for x in s.xs]
    ys = [y for s in series for y in s.ys]
    if not xs:
        return ""
    x_lo, x_hi = (min(xs), max(xs)) if max(xs) > min(xs) else (min(xs) - 0.5, min(xs) + 0.5)
    y_lo, y_hi = _span(ys)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x_lo) / (x_hi - x_lo) * plot_w

    def sy(y: float) -> float:
        return TOP + (y_hi - y) / (y_hi - y_lo) * plot_h

    parts = [_axes(x_lo, x_hi, y_lo, y_hi, sx, sy, x_label)]
    markers = len(xs) <= MAX_MARKERS
    for colour, s in zip(_colours(len(series)), series):
        points = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(s.xs, s.ys))
        parts.append(
            f'<polyline class="line" data-series="{esc(s.name)}" points="{points}" '
            f'stroke="{colour}"><title>{esc(s.name)}</title></polyline>'
        )
        if markers:
            parts += [
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.2" fill="{colour}">'
                f"<title>{esc(s.name)}: {y:.5g} (frame {f})</title></circle>"
                for x, y, f in zip(s.xs, s.ys, s.frames)
            ]
    keys = "".join(
        f'<span class="key"><i style="background:{c}"></i>{esc(s.name)}</span>'
        for c, s in zip(_colours(len(series)), series)
    )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{esc(title)}">'
        + "".join(parts)
        + "</svg>"
    )
    return f'<figure class="plot"><figcaption><b>{esc(title)}</b> {keys}</figcaption>{svg}</figure>'


def _colours(count: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def _text(x: float, y: float, label: object, anchor: str) -> str:
    return f'<text class="tick" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{esc(label)}</text>'


def _hline(css: str, y: float) -> str:
    return f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'


def _axes(x_lo, x_hi, y_lo, y_hi, sx, sy, x_label: str) -> str:
    """Horizontal grid lines with y labels, x tick labels, the x-axis title."""
    bottom = HEIGHT - BOTTOM
    parts = [
        _hline("grid", sy(y)) + _text(LEFT - 4, sy(y) + 3, f"{y:.4g}", "end")
        for y in nice_ticks(y_lo, y_hi, 4)
    ]
    parts += [_text(sx(x), bottom + 13, f"{x:.4g}", "middle") for x in nice_ticks(x_lo, x_hi, 6)]
    parts += [_hline("axis", bottom), _text(WIDTH - RIGHT, HEIGHT - 2, x_label, "end")]
    return "".join(parts)
