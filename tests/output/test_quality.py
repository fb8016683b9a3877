"""The quality figures, checked on frames whose values are known by hand."""

import numpy as np
import pytest

from pipeline.output.quality import quality


def _flat(rgb, size=(8, 8)):
    return np.broadcast_to(np.array(rgb, np.float32), (*size, 3)).copy()


def test_flat_frames():
    assert quality(_flat([0, 0, 0])) == {"luminance": 0, "saturation": 0, "clipped": 1, "detail": 0}
    red = quality(_flat([1, 0, 0]))
    assert red["luminance"] == pytest.approx(0.2126) and red["saturation"] == 1 and red["clipped"] == 1
    grey = quality(_flat([0.5, 0.5, 0.5]))
    assert grey["luminance"] == pytest.approx(0.5) and grey["saturation"] == 0 and grey["clipped"] == 0
    tint = quality(_flat([0.8, 0.4, 0.2]))
    assert tint["saturation"] == pytest.approx(0.75)  # (0.8 - 0.2) / 0.8


def test_clipped_counts_colour_values_not_pixels():
    frame = _flat([0.5, 0.5, 0.5], (2, 2))
    frame[0, 0] = [1.0, 0.5, 0.0]  # two of its three values are clipped: 2 of 12 values
    assert quality(frame)["clipped"] == pytest.approx(2 / 12, abs=1e-6)


def test_detail_is_the_mean_square_laplacian_of_luma():
    frame = _flat([0, 0, 0], (5, 5))
    frame[2, 2] = 1.0  # luma 1 at the centre, away from the borders
    # Laplacian: -4 at the centre, +1 at its four neighbours, 0 elsewhere: (16 + 4) / 25
    assert quality(frame)["detail"] == pytest.approx(20 / 25)
