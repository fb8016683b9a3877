"""Pictures of a render for people: preview.jpg (the latest frame) and a labelled contact sheet."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.output.frames import read_png, write_atomically
from pipeline.output.manifest import layer_caption, read_manifest
from pipeline.sources.image import to_uint8


def save_jpeg(path: Path, frame: np.ndarray, quality: int = 90) -> None:
    """A frame (float in [0, 1], or already 8-bit) as JPEG; atomic, so an image viewer watching the
    file never shows half a picture."""
    frame = frame if frame.dtype == np.uint8 else to_uint8(frame)
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise OSError(f"OpenCV could not encode {path.name}")
    write_atomically(path, encoded.tobytes())


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
    available = sorted(by_index)  # only frames with a record: never a KeyError for a missing line
    tiles = []
    for index in (available[i] for i in sheet_indices(len(available), count)):
        frame = read_png(frames_dir / f"{index:06d}.png")
        record = by_index[index]
        caption = layer_caption(record["layers"])
        tiles.append(_caption(_thumbnail(frame), f"#{index} t={record['time']:.2f}s", caption))
    blank = np.zeros_like(tiles[0])
    rows = [
        tiles[i : i + columns] + [blank] * (columns - len(tiles[i : i + columns]))
        for i in range(0, len(tiles), columns)
    ]
    save_jpeg(out, np.vstack([np.hstack(row) for row in rows]))
    return out


def write_contact_sheet(run_dir: Path, frames: int) -> Path:
    """contact_sheet.jpg for the first `frames` frames of a run, captioned from its manifest."""
    records = read_manifest(run_dir)[:frames]
    return contact_sheet(run_dir / "frames", records, run_dir / "contact_sheet.jpg")


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


def captioned_grid(
    pictures: list[tuple[np.ndarray, list[str]]], out: Path, width: int = 320, columns: int = 4
) -> Path:
    """Pictures (float RGB in [0, 1]) scaled to `width`, each captioned with its lines, in rows of up to
    `columns`: the stills' comparison and the sweep's contact sheet. Written atomically as JPEG."""
    save_jpeg(out, captioned_tiles(pictures, width, columns))
    return out


def captioned_tiles(
    pictures: list[tuple[np.ndarray, list[str]]], width: int = 320, columns: int = 4
) -> np.ndarray:
    """The 8-bit picture captioned_grid writes (and the Python API returns)."""
    lines = max(len(caption) for _, caption in pictures)
    tiles = [
        _caption(_thumbnail(picture, width), *caption, *[""] * (lines - len(caption)))
        for picture, caption in pictures
    ]
    return tile_grid(tiles, min(columns, len(tiles)))


def shrink(frame: np.ndarray, width: int) -> np.ndarray:
    """A float frame no wider than `width`: a grid's pictures are kept this small until it is drawn,
    never all at full size (16 stills of a 12-megapixel photo would be 2.3 GB)."""
    if frame.shape[1] <= width:
        return frame
    height = max(1, round(frame.shape[0] * width / frame.shape[1]))
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


def tile_grid(tiles: list[np.ndarray], columns: int) -> np.ndarray:
    """8-bit tiles in rows of `columns`; each is padded with black to the largest tile, so pictures of
    different shapes (a sweep over sizes) still line up. Empty places in the last row stay black."""
    height, width = max(t.shape[0] for t in tiles), max(t.shape[1] for t in tiles)
    padded = [np.pad(t, ((0, height - t.shape[0]), (0, width - t.shape[1]), (0, 0))) for t in tiles]
    padded += [np.zeros_like(padded[0])] * (-len(padded) % columns)
    return np.vstack([np.hstack(padded[i : i + columns]) for i in range(0, len(padded), columns)])
