"""Exact histogram matching: a frame with many pixels blown out to one value comes back to the reference's
figures (scikit-image's match gave them all the reference's largest value), and a flat patch stays flat."""

import numpy as np

from pipeline.animation.colour import ColourConfig
from pipeline.animation.colour_match import ColourMatch
from pipeline.animation.histogram_match import match_channel, match_histograms
from pipeline.output.quality import quality


def _reference(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(0.45, 0.12, (48, 64, 3)), 0, 1).astype(np.float32)


def _blown_out(reference: np.ndarray) -> np.ndarray:
    """What a light dream at frame_lr 0.25 does: saturation doubled, a quarter of the values at 0 or 1."""
    grey = reference.mean(axis=-1, keepdims=True)
    return np.clip(grey * 1.3 + (reference - grey) * 6.0, 0, 1).astype(np.float32)


def test_a_blown_out_frame_gets_the_references_figures_back_in_hsv():
    reference = _reference()
    drifted = _blown_out(reference)
    want, before = quality(reference), quality(drifted)
    assert before["clipped"] - want["clipped"] > 0.2 and before["saturation"] / want["saturation"] > 1.5
    matched = quality(ColourMatch(ColourConfig(match="first"), fps=24, reference=reference)(drifted, 1))
    assert abs(matched["saturation"] / want["saturation"] - 1) < 0.02, (matched, want)
    assert abs(matched["luminance"] / want["luminance"] - 1) < 0.03, (matched, want)
    assert abs(matched["clipped"] - want["clipped"]) < 0.02, (matched, want)


def test_every_channel_gets_the_references_mean_and_without_ties_its_spread():
    rng = np.random.default_rng(1)
    values = rng.random((40, 50, 3)).astype(np.float32)
    reference = rng.normal(0.4, 0.1, (30, 20, 3)).astype(np.float32)  # another size
    matched = match_histograms(values, reference)
    assert matched.shape == values.shape and matched.dtype == np.float32
    assert np.allclose(matched.std(axis=(0, 1)), reference.std(axis=(0, 1)), rtol=0.02)
    tied = np.where(rng.random(values.shape) < 0.3, 1.0, values).astype(np.float32)  # 30% blown out
    assert np.allclose(
        match_histograms(tied, reference).mean(axis=(0, 1)), reference.mean(axis=(0, 1)), atol=1e-4
    )


def test_order_is_kept_and_tied_pixels_share_the_mean_of_their_ranks():
    values = np.zeros((8, 8), np.float32)
    values[:, 4:] = 1.0  # a blown-out half...
    values[0, 3] = 0.9  # ...and one bright pixel beside it
    reference = np.linspace(0.0, 1.0, 64, dtype=np.float32)
    matched = match_channel(values, reference)
    assert np.ptp(matched[:, 4:]) == 0.0 and np.ptp(matched[1:, :4]) == 0.0  # flat patches stay flat
    assert matched[0, 4] > matched[0, 3] > matched[1, 0]  # the order is kept
    assert abs(matched[0, 4] - reference[32:].mean()) < 1e-6  # the top half's mean, not its top
    assert abs(matched.mean() - reference.mean()) < 1e-6


def test_an_already_matching_frame_is_left_nearly_alone():
    reference = _reference()
    assert np.abs(match_histograms(reference, reference) - reference).max() < 0.02
