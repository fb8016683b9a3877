"""Images in (any array-like, checked in one line) and out (8-bit RGB that Jupyter and PIL show)."""

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline.api.picture import DreamImage, as_frame, picture
from pipeline.errors import UserError


def test_uint8_uint16_float_grey_and_pil_images_become_the_same_frame(photo):
    expected = photo.astype(np.float32) / 255
    for image in (photo, photo.astype(np.uint16) * 257, expected.astype(np.float64), Image.fromarray(photo)):
        frame = as_frame(image)
        assert frame.dtype == np.float32 and frame.shape == (48, 64, 3)
        np.testing.assert_allclose(frame, expected, atol=1e-6)
    grey = as_frame(photo[:, :, 0])
    assert grey.shape == (48, 64, 3) and (grey[:, :, 0] == grey[:, :, 2]).all()


def test_transparent_pixels_become_mid_grey_as_a_files_alpha_does(photo):
    rgba = np.dstack([photo, np.zeros((48, 64), np.uint8)])
    assert np.allclose(as_frame(rgba), 0.5)
    rgba[..., 3] = 255
    np.testing.assert_allclose(as_frame(rgba), photo / 255, atol=1e-6)


@pytest.mark.parametrize(
    ("image", "words"),
    [
        (np.zeros((4, 4, 2)), "expected an image of shape"),
        (np.zeros((0, 4, 3)), "expected an image of shape"),
        (np.full((4, 4, 3), 200.0), "for 0-255 floats pass image / 255"),
        (np.full((4, 4, 3), np.nan), "NaN"),
        (np.zeros((4, 4, 3), np.int64), "expected uint8, uint16 or float pixels, got int64"),
    ],
)
def test_a_bad_image_is_one_line(image, words):
    with pytest.raises(UserError, match=words) as raised:
        as_frame(image)
    assert "\n" not in str(raised.value) and str(raised.value).startswith("image: ")


def test_a_dream_image_is_8_bit_rgb_that_jupyter_and_pil_draw(photo):
    image = picture(photo / 255.0)
    assert isinstance(image, DreamImage) and image.dtype == np.uint8 and (image == photo).all()
    png = np.frombuffer(image._repr_png_(), np.uint8)
    assert (cv2.cvtColor(cv2.imdecode(png, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) == photo).all()
    assert (np.asarray(Image.fromarray(image)) == photo).all()
    assert type(image / 255.0) is np.ndarray and type(image.mean()) is np.float64  # arithmetic: plain
    assert isinstance(image[:8], DreamImage) and image[:8]._repr_png_()  # a crop is still a picture
    assert image.astype(np.float32)._repr_png_() is None  # not 8-bit: the text repr instead
