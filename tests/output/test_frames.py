"""PNG frames: 8-bit RGB on disk, written atomically (a temporary name, then a rename)."""

import os

import cv2
import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.output.frames import encode_png, read_png, save_png, sync_files, write_atomically
from pipeline.sources.image import to_uint8


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


def test_png_bytes_are_the_same_for_the_same_frame_and_decode_exactly(tmp_path):
    """A resume rewrites frames byte for byte: the encoder's settings are fixed (stored, unfiltered)."""
    frame = np.random.default_rng(1).random((9, 13, 3)).astype(np.float32)
    first, second = encode_png(frame), encode_png(frame.copy())
    assert first.tobytes() == second.tobytes()
    save_png(tmp_path / "f.png", to_uint8(frame), sync=False)  # the 8-bit frame gives the same file
    assert (tmp_path / "f.png").read_bytes() == first.tobytes()
    assert np.array_equal(cv2.imread(str(tmp_path / "f.png"))[..., ::-1], to_uint8(frame))


def test_an_unsynced_write_is_whole_on_disk_and_synced_later(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or real_fsync(fd)
    )
    write_atomically(tmp_path / "a.bin", b"abc", sync=False)
    assert (tmp_path / "a.bin").read_bytes() == b"abc" and synced == []
    sync_files([tmp_path / "a.bin"])
    assert synced == [str(tmp_path / "a.bin")]
