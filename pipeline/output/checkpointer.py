"""Checkpoints written on their own thread, so the loop never waits for the disk.

A checkpoint is what a resume needs, made durable in order: the PNG frames written since the last one
(they were renamed into place unsynced: pipeline/output/frames.py), the manifest, then the checkpoint
itself (state/frame_N.npy, then next.json). Those fsyncs are waits for the disk, 100-250 ms at 720p on a
virtual disk (an 11 MB float frame and a few PNGs), longer than dreaming a frame on a GPU: here they
overlap the next frames instead of holding them up.

At most one checkpoint is being written and one waits. A newer one replaces the one waiting (its frames
are synced all the same), so a render whose disk is slower than its frames writes fewer checkpoints
rather than falling behind: a machine that crashes then resumes from an earlier frame and dreams the
frames after it again, identically (frame N's randomness depends on (seed, N) alone). A stop or an
error waits for the last checkpoint (`close`), so an interrupted render resumes where it stopped.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from pipeline.output.checkpoint import Checkpoint, save_checkpoint
from pipeline.output.frames import sync_files
from pipeline.output.manifest import Manifest


class Checkpointer:
    def __init__(self, run_dir: Path, manifest: Manifest):
        self.run_dir, self.manifest = run_dir, manifest
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self.lock = threading.Lock()
        self.waiting: tuple[int, np.ndarray, list[Path]] | None = None  # the newest, not started yet
        self.futures: list[Future] = []

    def save(self, next_index: int, frame: np.ndarray, frames: list[Path]) -> None:
        """Save (next_index, frame) once `frames` (and the manifest so far) are on disk for good; returns
        at once. An earlier checkpoint's error is raised here."""
        self._raise_failures()
        with self.lock:
            started = self.waiting is None
            earlier = [] if started else self.waiting[2]
            self.waiting = (next_index, frame, earlier + list(frames))
        if started:
            self.futures.append(self.pool.submit(self._write_waiting))

    def _write_waiting(self) -> None:
        with self.lock:
            (next_index, frame, frames), self.waiting = self.waiting, None
        sync_files(frames)
        self.manifest.sync()
        save_checkpoint(self.run_dir, Checkpoint(next_index, frame))

    def _raise_failures(self) -> None:
        for future in [future for future in self.futures if future.done()]:
            self.futures.remove(future)
            future.result()  # re-raises the thread's error

    def close(self) -> None:
        """Wait for the checkpoints in flight; raise the first error among them."""
        try:
            for future in self.futures:
                future.result()
        finally:
            self.futures.clear()
            self.pool.shutdown(wait=True)
