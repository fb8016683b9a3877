"""PNG frames: 8-bit RGB on disk, written atomically (a temporary name, then a rename)."""

import os

import cv2
import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.output.frames import read_png, save_png, write_atomically


def test_a_frame_round_trips_through_png_at_8_bits_in_rgb_order(tmp_path):
    frame = np.random.default_rng(0).random((6, 10, 3)).astype(np.float32)
    frame[0, 0] = [1.0, 0.0, 0.0]  # red
    save_png(tmp_path / "f.png", frame)
    assert cv2.imread(str(tmp_path / "f.png"))[0, 0].tolist() == [0, 0, 255]  # BGR on disk
    back = read_png(tmp_path / "f.png")
    assert back.dtype == np.float32 and back.shape == (6, 10, 3)
    assert np.abs(back - frame).max() <= 0.5 / 255 + 1e-6  # rounded, not truncated


def test_writes_replace_the_file_whole_and_leave_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    path.write_bytes(b"old")
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: renames.append((a.name, b.name)) or real_replace(a, b))
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert renames == [(".state.json.partial", "state.json")]
    assert not list(tmp_path.glob(".*"))


def test_a_missing_png_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="missing or not a readable PNG"):
        read_png(tmp_path / "000007.png")
