"""What a frame starts from: a photo scaled to cover the frame and centre-cropped, or seeded noise."""

import cv2
import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.sources.image import cover_crop, load_image, noise_image


def test_a_photo_is_read_as_rgb_in_the_unit_range(tmp_path):
    bgr = np.zeros((40, 60, 3), np.uint8)
    bgr[..., 2] = 255  # pure red in OpenCV's BGR order
    bgr[:, :30, 1] = 128
    cv2.imwrite(str(tmp_path / "red.png"), bgr)
    frame = load_image(tmp_path / "red.png", 60, 40)
    assert frame.shape == (40, 60, 3) and frame.dtype == np.float32
    assert frame[0, -1].tolist() == pytest.approx([1.0, 0.0, 0.0])
    assert frame[0, 0].tolist() == pytest.approx([1.0, 128 / 255, 0.0])


def test_cover_crop_fills_the_frame_and_keeps_the_centre_without_stretching():
    # a 40x20 (2:1) picture with a marker column in the middle, into a 20x20 frame: scale 1, crop the
    # middle 20 columns; a stretch would squeeze the whole width in instead
    frame = np.zeros((20, 40, 3), np.float32)
    frame[:, 19:21] = 1.0
    frame[:, :5] = 0.5  # the left edge, which a centre crop drops
    out = cover_crop(frame, 20, 20)
    assert out.shape == (20, 20, 3)
    assert out[:, 9:11].min() == pytest.approx(1.0) and out[:, :8].max() == 0.0 and out[:, 12:].max() == 0.0


def test_cover_crop_scales_a_small_picture_up_to_cover():
    frame = np.zeros((10, 10, 3), np.float32)
    frame[:5] = 1.0  # top half white
    out = cover_crop(frame, 40, 20)  # scale 4 to cover the width: 40x40, crop the middle 20 rows
    assert out.shape == (20, 40, 3)
    assert out[:8].min() > 0.9 and out[12:].max() < 0.1  # rows 10..30 of 40: half white, half black


def test_an_unreadable_input_is_a_one_line_user_error(tmp_path):
    """(A missing file is refused earlier, by the plan step.)"""
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(UserError, match="not an image OpenCV can read"):
        load_image(tmp_path / "notes.txt", 32, 32)


def test_noise_is_seeded_grey_and_in_range():
    a, b = noise_image(48, 32, seed=1), noise_image(48, 32, seed=1)
    assert a.shape == (32, 48, 3) and a.dtype == np.float32 and np.array_equal(a, b)
    assert not np.array_equal(a, noise_image(48, 32, seed=2))
    assert a.mean() == pytest.approx(0.5, abs=0.01) and 0.05 < a.std() < 0.12
    assert a.min() >= 0.0 and a.max() <= 1.0
