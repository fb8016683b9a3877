"""Everything that happens to a dreamed frame after dreaming, on a writer thread beside the dreamer:
PNG, video, manifest line, checkpoint and preview, in that order, one frame at a time."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from pipeline.output.checkpoint import Checkpoint, save_checkpoint
from pipeline.output.frames import save_png
from pipeline.output.manifest import Manifest
from pipeline.output.previews import save_jpeg
from pipeline.output.video import Mp4Writer

PREVIEW = "preview.jpg"


class FrameSink:
    """At most one frame is in flight, so memory stays bounded and a write error surfaces by the next frame.

    The checkpoint is written last: it only ever points past frames that are already on disk.
    """

    def __init__(self, run_dir: Path, video: Mp4Writer, manifest: Manifest, preview_every: int):
        self.run_dir, self.video, self.manifest, self.preview_every = run_dir, video, manifest, preview_every
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-writer")
        self.pending: Future | None = None

    def submit(self, index: int, dreamed: np.ndarray, next_input: np.ndarray | None, record: dict) -> None:
        """`next_input` None: this frame saves no checkpoint (a cadence in-between: a resume restarts
        after the last dreamed frame and makes it again, identically)."""
        self.wait()
        self.pending = self.pool.submit(self._write, index, dreamed, next_input, record)

    def _write(self, index: int, dreamed: np.ndarray, next_input: np.ndarray | None, record: dict) -> None:
        started = time.perf_counter()
        save_png(self.run_dir / "frames" / f"{index:06d}.png", dreamed)
        self.video.write(dreamed)
        if self.preview_every and index % self.preview_every == 0:
            save_jpeg(self.run_dir / PREVIEW, dreamed)
        self.manifest.append({**record, "write_seconds": round(time.perf_counter() - started, 4)})
        if next_input is not None:
            save_checkpoint(self.run_dir, Checkpoint(index + 1, next_input))

    def wait(self) -> None:
        """Block until the frame in flight is written; re-raise its error, if any."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True)
