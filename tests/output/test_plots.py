"""The inline SVG charts: round ticks, thinning that keeps spikes, points where their values say, and the
run page choosing its charts from whatever frames.jsonl holds."""

import re

import pytest

from pipeline.output.pages.manifest_plots import manifest_plots
from pipeline.output.pages.plots import Series, line_chart, nice_ticks, thin


def _points(svg: str, series: str) -> list[tuple[float, float]]:
    match = re.search(rf'data-series="{re.escape(series)}" points="([^"]+)"', svg)
    assert match, f"no line for {series}"
    return [tuple(map(float, pair.split(","))) for pair in match.group(1).split()]


@pytest.mark.parametrize(
    ("lo", "hi", "count", "expected"),
    [
        (0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.013, 0.087, 4, [0.02, 0.04, 0.06, 0.08]),
        (-3, 7, 2, [0, 5]),
        (1.0, 1.02, 4, [1.0, 1.005, 1.01, 1.015, 1.02]),
    ],
)
def test_ticks_are_round_numbers_inside_the_range(lo, hi, count, expected):
    assert nice_ticks(lo, hi, count) == pytest.approx(expected)


def test_thinning_a_long_series_keeps_its_spike():
    ys = [0.0] * 10000
    ys[7777] = 5.0
    thinned = thin(Series("s", list(range(10000)), ys, list(range(10000))), limit=1000)
    assert len(thinned.xs) <= 1000
    assert 7777 in thinned.frames and max(thinned.ys) == 5.0
    assert thinned.xs == sorted(thinned.xs)  # still in time order


def test_points_sit_where_their_values_say():
    svg = line_chart("t", [Series("a", [0.0, 1.0, 2.0], [1.0, 3.0, 2.0], [0, 1, 2])])
    (x0, y0), (x1, y1), (x2, y2) = _points(svg, "a")
    assert x0 < x1 < x2 and x1 - x0 == pytest.approx(x2 - x1)  # evenly spaced times, evenly spaced x
    assert y1 < y2 < y0  # larger values higher up (SVG y grows downwards)
    assert y2 == pytest.approx((y0 + y1) / 2)  # 2 is halfway between 1 and 3: a linear scale


def test_two_series_share_one_scale():
    svg = line_chart("t", [Series("a", [0, 1], [0.0, 10.0], [0, 1]), Series("b", [0, 1], [5.0, 5.0], [0, 1])])
    (_, a0), (_, a1) = _points(svg, "a")
    (_, b0), (_, b1) = _points(svg, "b")
    assert b0 == b1 == pytest.approx((a0 + a1) / 2)


def _record(index: int, **extra) -> dict:
    return {
        "index": index,
        "time": index / 8,
        "layers": {"conv3_1": 1.0 - index / 3} | ({"conv4_2": index / 3} if index else {}),
        "motion": {"zoom": 1.25, "angle": 10.0 * index / 8},
        "octaves": 2,
        "steps": 2,
        "lr": 0.09,
        "objective_start": 0.01 * index,
        "objective_end": 0.02 * index,
        "dream_seconds": 1.0,
        "write_seconds": 0.1,
        **extra,
    }


def test_the_run_page_charts_what_the_manifest_holds():
    records = [_record(i, quality={"sharpness": i * 0.5, "label": "x"}, loudness=0.1 * i) for i in range(4)]
    html = manifest_plots(records)
    assert len(_points(html, "objective_end")) == 4
    assert len(_points(html, "conv4_2")) == 4  # a layer missing from frame 0 weighs 0 there, not a gap
    assert _points(html, "conv4_2")[0][1] == _points(html, "conv3_1")[-1][1]  # both are weight 0
    assert "motion.zoom=1.25" in html and 'data-series="motion.zoom"' not in html  # constant: one line
    assert len(_points(html, "motion.angle")) == 4  # varies: a chart
    # fields this module has never heard of (other features' numbers) still get their charts
    assert len(_points(html, "sharpness")) == 4 and len(_points(html, "loudness")) == 4
    assert 'data-series="label"' not in html
    assert manifest_plots([]) == ""
