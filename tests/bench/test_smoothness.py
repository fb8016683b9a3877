"""The smoothness figures: `jump` against the whole video's median, `local_jump` against the in-betweens
around each dreamed frame (so a start-up transient is not mistaken for cadence's jump, and a real jump is
not hidden by it)."""

import pytest

from pipeline.bench.smoothness import local_jumps, summarise

# cadence 4 over 13 frames: dreams at 0, 4, 8, 12; residuals[k] is the step (k, k + 1)
DREAMED = [k % 4 == 0 for k in range(13)]


def test_a_spike_into_one_dreamed_frame_is_its_ratio_to_the_in_betweens_around_it():
    residuals = [1.0] * 12
    residuals[7] = 3.0  # the step into dream 8
    assert local_jumps(residuals, DREAMED) == [1.0, 3.0, 1.0]
    assert summarise(residuals, DREAMED)["local_jump"] == 3.0


def test_only_in_betweens_within_one_span_are_the_yardstick():
    # steps into in-betweens near dream 4 are 2.0; far away (after dream 8) 100.0; other dreams 1.0
    residuals = [2.0, 2.0, 2.0, 4.0, 2.0, 2.0, 2.0, 1.0, 100.0, 100.0, 100.0, 1.0]
    jumps = local_jumps(residuals, DREAMED)
    assert jumps[0] == pytest.approx(2.0)  # 4.0 over the median of steps 0-2 and 4-6 (all 2.0)
    assert jumps[2] == pytest.approx(1.0 / 100.0)


def test_a_decaying_start_up_transient_is_a_global_jump_but_not_a_local_one():
    residuals = [10.0 * 0.7**k for k in range(12)]  # every step smaller than the last; no jump anywhere
    summary = summarise(residuals, DREAMED)
    assert summary["jump"] > 2  # 3.43 over the median 1.43
    assert summary["local_jump"] < 1.5


def test_every_frame_dreamed_has_no_jump_figures():
    summary = summarise([1.0, 2.0, 3.0], [True] * 4)
    assert summary["jump"] is None and summary["local_jump"] is None
    assert summary["mean"] == 2.0 and summary["worst"] == 3.0 and summary["median"] == 2.0
