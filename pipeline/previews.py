"""Pictures of a render for people: preview.jpg (the latest frame) and a labelled contact sheet."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from pipeline.image import read_png, to_uint8


def save_jpeg(path: Path, frame: np.ndarray, quality: int = 90) -> None:
    """A frame (float in [0, 1], or already 8-bit) as JPEG; atomic, so an image viewer watching the
    file never shows half a picture."""
    frame = frame if frame.dtype == np.uint8 else to_uint8(frame)
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise OSError(f"OpenCV could not encode {path.name}")
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(encoded.tobytes())
    os.replace(partial, path)


def sheet_indices(frames: int, count: int) -> list[int]:
    """`count` frame indices spread evenly from the first frame to the last."""
    if frames <= count:
        return list(range(frames))
    return sorted({round(i * (frames - 1) / (count - 1)) for i in range(count)})


def contact_sheet(
    frames_dir: Path, records: list[dict], out: Path, count: int = 12, columns: int = 4
) -> Path:
    """Evenly spaced frames in a grid, each captioned with its time and the layers that dreamed it."""
    by_index = {record["index"]: record for record in records}
    tiles = []
    for index in sheet_indices(len(by_index), count):
        frame = read_png(frames_dir / f"{index:06d}.png")
        record = by_index[index]
        layers = " ".join(f"{name}:{weight:.2f}" for name, weight in record["layers"].items())
        tiles.append(_caption(_thumbnail(frame), f"#{index} t={record['time']:.2f}s", layers))
    blank = np.zeros_like(tiles[0])
    rows = [
        tiles[i : i + columns] + [blank] * (columns - len(tiles[i : i + columns]))
        for i in range(0, len(tiles), columns)
    ]
    save_jpeg(out, np.vstack([np.hstack(row) for row in rows]))
    return out


def _thumbnail(frame: np.ndarray, width: int = 320) -> np.ndarray:
    height = max(2, round(frame.shape[0] * width / frame.shape[1]))
    interpolation = cv2.INTER_AREA if width < frame.shape[1] else cv2.INTER_CUBIC
    return to_uint8(cv2.resize(frame, (width, height), interpolation=interpolation))


def _caption(thumb: np.ndarray, *lines: str) -> np.ndarray:
    """A black band under the thumbnail with one text line per argument."""
    band = np.zeros((18 * len(lines) + 6, thumb.shape[1], 3), np.uint8)  # putText draws on 8-bit only
    for row, text in enumerate(lines):
        cv2.putText(
            band, text, (4, 16 + 18 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA
        )
    return np.vstack([thumb, band])
