"""The writer thread: PNG, video, preview, manifest, then the checkpoint, one frame in flight at most."""

import os
import threading
import time
from pathlib import Path

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
    # the encoder gets the frame rounded to 8 bits, once for all the outputs
    assert [f.dtype for f in video.frames] == [np.uint8] * 3
    assert [f[0, 0, 0] for f in video.frames] == [0, round(0.25 * 255), round(0.5 * 255)]
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


def _durability_events(monkeypatch):
    """(what, file name) for every fsync and rename, in order (fsync's file read from /proc/self/fd)."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        real_fsync(fd)

    def replace(source, target):
        events.append(("rename", Path(target).name))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads which file an fsync was for from /proc")
def test_frames_are_synced_once_before_the_checkpoint_that_points_past_them(tmp_path, monkeypatch):
    """Cadence 3: frames 1 and 2 are in-betweens (no checkpoint), 0 and 3 dreams. A PNG is fsynced once,
    by the checkpoint after it and before that checkpoint's next.json; the manifest too."""
    sink, _ = _sink(tmp_path)
    events = _durability_events(monkeypatch)
    for index, keep in ((0, _frame(0.1)), (1, None), (2, None), (3, _frame(0.4))):
        sink.submit(index, _frame(index / 4), keep, {"index": index})
    sink.close()
    pngs = [name for what, name in events if what == "fsync" and name.endswith(".png")]
    assert sorted(pngs) == [f"{index:06d}.png" for index in range(4)]  # each once, after its rename
    last_written = events.index(("rename", "000003.png"))
    assert all(events.index(("fsync", f"{index:06d}.png")) > last_written for index in (1, 2, 3))  # batched
    pointers = [at for at, event in enumerate(events) if event == ("rename", "next.json")]
    assert len(pointers) == 2
    for next_index, pointer in zip((1, 4), pointers):
        before = {name for what, name in events[:pointer] if what == "fsync"}
        assert {f"{index:06d}.png" for index in range(next_index)} <= before
        assert {"frames.jsonl", f".frame_{next_index:06d}.npy.partial"} <= before
    assert load_checkpoint(tmp_path).next_index == 4


def test_a_newer_checkpoint_replaces_one_still_waiting_and_a_stop_waits_for_it(tmp_path, monkeypatch):
    """The disk is slower than the frames: while checkpoint 1 is written, 2 waits and 3 replaces it; all
    their frames are synced, and close() leaves the newest on disk."""
    from pipeline.output import checkpointer

    release, written, synced = threading.Event(), [], []
    real_save = checkpointer.save_checkpoint

    def slow_save(run_dir, checkpoint):
        release.wait(timeout=10)
        written.append(checkpoint.next_index)
        real_save(run_dir, checkpoint)

    monkeypatch.setattr(checkpointer, "save_checkpoint", slow_save)
    monkeypatch.setattr(checkpointer, "sync_files", lambda paths: synced.extend(Path(p).name for p in paths))
    saver = checkpointer.Checkpointer(tmp_path, Manifest(tmp_path))
    saver.save(1, _frame(0.1), [tmp_path / "a.png"])
    time.sleep(0.2)  # 1 is being written
    saver.save(2, _frame(0.2), [tmp_path / "b.png"])
    saver.save(3, _frame(0.3), [tmp_path / "c.png"])
    release.set()
    saver.close()
    assert written == [1, 3] and synced == ["a.png", "b.png", "c.png"]
    assert load_checkpoint(tmp_path).next_index == 3


def test_a_checkpoint_that_cannot_be_written_is_one_line_by_the_end(tmp_path):
    sink, _ = _sink(tmp_path)
    (tmp_path / "state").write_text("a file where the state folder goes")
    sink.submit(0, _frame(0.1), _frame(0.1), {"index": 0})
    with pytest.raises(UserError, match=r"could not write .* into .*resume="):
        sink.close()
