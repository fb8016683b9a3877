"""The writer thread: PNG, video, preview, manifest, then the checkpoint, one frame in flight at most."""

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.output.checkpoint import load_checkpoint
from pipeline.output.frames import read_png
from pipeline.output.manifest import Manifest, read_manifest
from pipeline.output.sink import PREVIEW, FrameSink


class _Video:
    """Records frames; checks, at each write, that the PNG of that frame is already on disk."""

    def __init__(self, run_dir, fail_at=None):
        self.run_dir, self.fail_at, self.frames = run_dir, fail_at, []

    def write(self, frame):
        index = len(self.frames)
        if index == self.fail_at:
            raise OSError("disk full")
        assert (self.run_dir / "frames" / f"{index:06d}.png").is_file()
        self.frames.append(frame.copy())


def _sink(tmp_path, preview_every=2, fail_at=None):
    (tmp_path / "frames").mkdir()
    video = _Video(tmp_path, fail_at)
    return FrameSink(tmp_path, video, Manifest(tmp_path), preview_every), video


def _frame(value):
    return np.full((8, 12, 3), value, np.float32)


def test_every_output_of_a_frame_is_written_and_the_checkpoint_points_past_it(tmp_path):
    sink, video = _sink(tmp_path)
    for index in range(3):
        sink.submit(index, _frame(index / 4), _frame(0.9 - index / 10), {"index": index})
    sink.close()
    assert [f[0, 0, 0] for f in video.frames] == pytest.approx([0.0, 0.25, 0.5])
    assert read_png(tmp_path / "frames/000002.png")[0, 0, 0] == pytest.approx(round(0.5 * 255) / 255)
    records = read_manifest(tmp_path)
    assert [r["index"] for r in records] == [0, 1, 2] and all("write_seconds" in r for r in records)
    saved = load_checkpoint(tmp_path)
    assert saved.next_index == 3 and np.array_equal(saved.frame, _frame(0.9 - 2 / 10))


def test_the_preview_is_refreshed_every_n_frames_only(tmp_path):
    sink, _ = _sink(tmp_path, preview_every=2)
    sink.submit(0, _frame(0.2), _frame(0.2), {"index": 0})
    sink.wait()
    first = (tmp_path / PREVIEW).read_bytes()
    sink.submit(1, _frame(0.8), _frame(0.8), {"index": 1})
    sink.wait()
    assert (tmp_path / PREVIEW).read_bytes() == first  # frame 1: not a multiple of 2
    sink.submit(2, _frame(0.8), _frame(0.8), {"index": 2})
    sink.close()
    assert (tmp_path / PREVIEW).read_bytes() != first


def test_no_preview_when_disabled(tmp_path):
    sink, _ = _sink(tmp_path, preview_every=0)
    sink.submit(0, _frame(0.2), _frame(0.2), {"index": 0})
    sink.close()
    assert not (tmp_path / PREVIEW).exists()


def test_a_write_error_surfaces_by_the_next_frame_and_the_checkpoint_stays_behind(tmp_path):
    sink, _ = _sink(tmp_path, fail_at=1)
    sink.submit(0, _frame(0.1), _frame(0.1), {"index": 0})
    sink.submit(1, _frame(0.2), _frame(0.2), {"index": 1})
    with pytest.raises(UserError, match=r"could not write frame 1 .*\(disk full\).*resume="):
        sink.submit(2, _frame(0.3), _frame(0.3), {"index": 2})
    sink.close()
    assert load_checkpoint(tmp_path).next_index == 1  # frame 1 never completed: resume redoes it
    assert [r["index"] for r in read_manifest(tmp_path)] == [0]
