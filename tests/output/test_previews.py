"""preview.jpg and the contact sheet: evenly spaced frames, captioned, in a padded grid."""

import json

import cv2
import numpy as np
import pytest

from pipeline.output.frames import save_png
from pipeline.output.previews import contact_sheet, save_jpeg, sheet_indices, shrink, tile_grid


def test_sheet_indices_span_first_to_last_evenly():
    assert sheet_indices(5, 12) == [0, 1, 2, 3, 4]
    assert sheet_indices(100, 12) == [round(i * 99 / 11) for i in range(12)]
    assert sheet_indices(100, 12)[0] == 0 and sheet_indices(100, 12)[-1] == 99
    assert sheet_indices(13, 4) == [0, 4, 8, 12]


def test_save_jpeg_writes_a_readable_rgb_picture(tmp_path):
    frame = np.zeros((16, 24, 3), np.float32)
    frame[..., 0] = 1.0  # red
    save_jpeg(tmp_path / "p.jpg", frame)
    bgr = cv2.imread(str(tmp_path / "p.jpg"))
    assert bgr.shape == (16, 24, 3) and bgr[..., 2].min() > 240 and bgr[..., 0].max() < 15
    assert not list(tmp_path.glob(".*partial"))


def test_tile_grid_pads_tiles_and_rows_with_black():
    tiles = [np.full((2, 3, 3), 50 * (i + 1), np.uint8) for i in range(3)] + [np.full((4, 2, 3), 9, np.uint8)]
    grid = tile_grid(tiles, 3)
    assert grid.shape == (8, 9, 3)  # 2 rows of 3 tiles, each padded to 4x3
    assert grid[0, 3, 0] == 100 and grid[2, 0, 0] == 0  # tile 2, and padding under tile 1
    assert grid[4:, 0:2, 0].max() == 9 and grid[4:, 3:].max() == 0  # the 4th tile, then black


def test_shrink_only_makes_wide_frames_narrower():
    frame = np.zeros((30, 60, 3), np.float32)
    assert shrink(frame, 100) is frame
    assert shrink(frame, 20).shape == (10, 20, 3)


def test_contact_sheet_lays_out_captioned_thumbnails(tmp_path):
    frames_dir = tmp_path / "frames"
    frames_dir.mkdir()
    records = []
    for index in range(6):
        save_png(frames_dir / f"{index:06d}.png", np.full((30, 40, 3), index / 5, np.float32))
        records.append({"index": index, "time": index / 24, "layers": {"conv3_1": 1.0}})
    out = contact_sheet(
        frames_dir, json.loads(json.dumps(records)), tmp_path / "sheet.jpg", count=4, columns=3
    )
    sheet = cv2.imread(str(out))
    # 4 of 6 frames (0, 2, 3, 5) in rows of 3: thumbnails 320x240 over a 2-line caption band (42 px)
    assert sheet.shape == (2 * (240 + 42), 3 * 320, 3)
    assert sheet[100, 100].mean() == pytest.approx(0, abs=3)  # frame 0: black
    assert sheet[282 + 100, 100].mean() == pytest.approx(255, abs=3)  # frame 5: white, second row
    assert sheet[282 + 100, 320 + 100].mean() == pytest.approx(0, abs=3)  # empty place: black
    assert sheet[250:282, :320].max() > 200  # caption text drawn in the band
