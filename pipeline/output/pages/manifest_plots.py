"""Which charts a run page shows, chosen from frames.jsonl itself: how hard each frame was dreamed, what it
cost, the layer weights and motion in force; then one chart for every other number a record carries (the
coherence statistics of clips, and whatever later features add), so a new manifest field is plotted
without touching this file. Values that never change are listed in a line instead of drawn flat."""

from __future__ import annotations

from pipeline.output.pages.plots import Series, line_chart

FIXED = {  # chart title -> the record fields it draws together (same unit)
    "Objective: mean squared activation, before and after the frame's last octave": (
        "objective_start",
        "objective_end",
    ),
    "Seconds per frame: dreaming, and writing on the writer thread": ("dream_seconds", "write_seconds"),
}
DREAM_KEYS = ("octaves", "steps", "lr")
UNITS = {
    "zoom": "factor per second",
    "angle": "degrees per second",
    "shift_x": "frame widths per second",
    "shift_y": "frame heights per second",
    "focus_x": "fraction of the width",
    "focus_y": "fraction of the height",
    "lr": "normalised pixel units",
}
SKIP = {"index", "time", "layers", "motion", *DREAM_KEYS, *(k for keys in FIXED.values() for k in keys)}


def manifest_plots(records: list[dict]) -> str:
    """The charts as HTML (empty without records)."""
    if not records:
        return ""
    charts = [_chart(title, records, {key: _field(key) for key in keys}) for title, keys in FIXED.items()]
    layers = list(dict.fromkeys(name for r in records for name in r.get("layers", {})))
    charts.append(_chart("Layer weights", records, {n: _nested("layers", n, 0.0) for n in layers}))
    constants = []
    motion = list(dict.fromkeys(key for r in records for key in r.get("motion", {})))
    getters = {f"motion.{k}": _nested("motion", k) for k in motion} | {k: _field(k) for k in DREAM_KEYS}
    for name, getter in getters.items():
        values = {getter(r) for r in records} - {None}
        if len(values) == 1:
            constants.append(f"<code>{name}={values.pop():g}</code>")
        elif values:
            unit = UNITS.get(name.removeprefix("motion."))
            charts.append(_chart(f"{name} ({unit})" if unit else name, records, {name: getter}))
    charts += _other_charts(records)
    line = f'<p class="dim">constant: {" ".join(constants)}</p>' if constants else ""
    return line + '<div class="plots">' + "".join(charts) + "</div>"


def _other_charts(records: list[dict]) -> list[str]:
    """A chart per other numeric field, or per dict of numbers (all its numeric entries together)."""
    charts = []
    for key in dict.fromkeys(k for r in records for k in r if k not in SKIP):
        sample = next(r[key] for r in records if key in r)
        if isinstance(sample, dict):
            names = list(dict.fromkeys(n for r in records for n, v in r.get(key, {}).items() if _number(v)))
            if names:
                charts.append(_chart(key, records, {n: _nested(key, n) for n in names}))
        elif _number(sample):
            charts.append(_chart(key, records, {key: _field(key)}))
    return charts


def _chart(title: str, records: list[dict], getters: dict) -> str:
    series = []
    for name, getter in getters.items():
        points = [(r["time"], getter(r), r["index"]) for r in records]
        points = [p for p in points if p[1] is not None]
        if points:
            xs, ys, frames = zip(*points)
            series.append(Series(name, list(xs), [float(y) for y in ys], list(frames)))
    return line_chart(title, series)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _field(key: str):
    return lambda record: record[key] if _number(record.get(key)) else None


def _nested(key: str, name: str, missing: float | None = None):
    """A dict entry; `missing` stands in where a record lacks it (a layer not in force weighs 0)."""
    return lambda record: v if _number(v := record.get(key, {}).get(name)) else missing
