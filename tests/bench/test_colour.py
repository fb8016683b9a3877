"""The colour audit: the share of each dream's objective gain left after the colour match, in one render."""

import pytest

from pipeline.bench.colour import audit_colour, colour_figures

TINY = ["width=32", "height=32", "frames=4", "dream=full", "dream.octaves=1", "dream.steps=2",
        "layer_schedule=single", "layer_schedule.layer=conv2_1"]  # fmt: skip


def test_a_match_that_changes_nothing_keeps_all_of_the_gain():
    audit = audit_colour([*TINY, "colour.match=first", "colour.strength=0"])
    assert audit["frames"] == 3  # frames 1-3: frame 0 becomes the reference, unmatched
    assert audit["kept"] == pytest.approx(1.0) and audit["median_frame"] == pytest.approx(1.0)


def test_a_full_match_takes_gain_away_and_is_reported(capsys):
    figures = colour_figures([*TINY, "colour=first_hsv"])
    assert figures["colour_gain_kept"]["kept"] < 0.9
    assert "colour match keeps" in capsys.readouterr().out


def test_without_colour_coherence_there_is_no_audit():
    assert colour_figures([*TINY, "colour=none"]) == {}
