"""The quality figures, checked on frames whose values are known by hand."""

import numpy as np
import pytest

from pipeline.output.quality import quality
from pipeline.sources.image import to_uint8
from tests.allocations import peak_bytes


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


def _plain(frame):
    """The figures' definitions written out in float64 NumPy (what quality() computed before)."""
    rgb = np.clip(frame, 0.0, 1.0).astype(np.float64)
    brightest, darkest = rgb.max(axis=-1), rgb.min(axis=-1)
    saturation = np.where(brightest > 0, (brightest - darkest) / np.maximum(brightest, 1e-12), 0.0)
    y = rgb @ np.array([0.2126, 0.7152, 0.0722])
    padded = np.pad(y, 1, mode="reflect")  # mirrored without repeating the edge: BORDER_REFLECT_101
    laplacian = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4 * y
    eight = np.round(rgb * 255)
    clipped = ((eight == 0) | (eight == 255)).mean()
    return {"luminance": y.mean(), "saturation": saturation.mean(), "clipped": clipped,
            "detail": np.square(laplacian).mean()}  # fmt: skip


def test_the_figures_keep_their_definitions_on_a_detailed_frame():
    rng = np.random.default_rng(0)
    frame = rng.random((45, 70, 3), dtype=np.float32) * 1.2 - 0.1  # some values beyond 0..1: clipped
    figures, plain = quality(frame), _plain(frame)
    assert figures == quality(frame, to_uint8(frame))  # the writer's 8-bit frame gives the same figures
    for name, value in plain.items():
        assert figures[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


def test_the_figures_make_no_full_size_float64_copy():
    """At 320x180: a float32 copy and its HSV planes (24 bytes a pixel); the NumPy version made 64
    (float temporaries for each figure, luma twice, a float64 square of the Laplacian)."""
    frame = np.random.default_rng(1).random((180, 320, 3), dtype=np.float32)
    eight = to_uint8(frame)
    assert peak_bytes(lambda: quality(frame, eight)) <= 28 * frame.shape[0] * frame.shape[1]
