"""Pictures in and out of the Python API: any array-like image in, an 8-bit RGB array out that a notebook
shows inline.

In: HWC RGB (or HW grey, or RGBA composited over mid grey as a file's alpha is), uint8 (0-255), uint16
(0-65535) or float (0-1), any size; a PIL image works too (it is array-like). Out: `DreamImage`, a numpy
uint8 array of shape (height, width, 3) with `_repr_png_`, so Jupyter draws it and `PIL.Image.fromarray`,
`imageio.imwrite` or matplotlib take it as it is. Between the two the frame is the project's float32 RGB
in [0, 1] (pipeline.sources.image).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.errors import UserError


class DreamImage(np.ndarray):
    """An 8-bit RGB image (height, width, 3), drawn inline by Jupyter. It is an ordinary numpy array
    otherwise; arithmetic on it gives plain arrays (a float result is no longer an 8-bit picture)."""

    def __new__(cls, pixels: np.ndarray) -> DreamImage:
        return np.asarray(pixels, dtype=np.uint8).view(cls)

    def __array_wrap__(self, array: np.ndarray, context: Any = None, return_scalar: bool = False) -> Any:
        """ufunc results (`image / 255.0`, `image > 128`) are plain arrays, or scalars."""
        result = np.asarray(array)
        return result[()] if return_scalar else result

    def _repr_png_(self) -> bytes | None:
        """PNG bytes for IPython's display; None (text repr) once the array is no longer a picture."""
        if self.dtype != np.uint8 or self.ndim != 3 or self.shape[2] != 3 or 0 in self.shape:
            return None
        import cv2

        ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(self), cv2.COLOR_RGB2BGR))
        return encoded.tobytes() if ok else None


def picture(frame: np.ndarray) -> DreamImage:
    """A float frame in [0, 1] as the 8-bit picture the CLI would write to PNG (same rounding)."""
    from pipeline.sources.image import to_uint8

    return DreamImage(to_uint8(frame))


def as_frame(image: Any, setting: str = "image") -> np.ndarray:
    """An array-like image as a float32 RGB frame in [0, 1]; a mistake is one line naming `setting`."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or 0 in array.shape:
        raise UserError(
            f"{setting}: expected an image of shape (height, width, 3) RGB, (height, width, 4) RGBA or "
            f"(height, width) grey, got shape {array.shape}"
        )
    frame = _unit_range(array, setting)
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    if frame.shape[2] == 4:
        from pipeline.sources.image import flatten_alpha

        frame = flatten_alpha(frame[:, :, [2, 1, 0, 3]])  # it takes OpenCV's BGRA, as files are read
    return np.ascontiguousarray(frame, dtype=np.float32)


def _unit_range(array: np.ndarray, setting: str) -> np.ndarray:
    """Pixel values scaled to [0, 1]: integers by their type's maximum, floats as they are (checked)."""
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.unsignedinteger):
        return array.astype(np.float32) / np.iinfo(array.dtype).max
    if not np.issubdtype(array.dtype, np.floating):
        raise UserError(f"{setting}: expected uint8, uint16 or float pixels, got {array.dtype}")
    if not np.isfinite(array).all():
        raise UserError(f"{setting}: the image holds NaN or infinite values")
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        hint = "; for 0-255 floats pass image / 255 or image.astype('uint8')" if high <= 255 else ""
        raise UserError(f"{setting}: float pixels must be in [0, 1], got {low:g}..{high:g}{hint}")
    return array.astype(np.float32)
