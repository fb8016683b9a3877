"""Everything that happens to a dreamed frame after dreaming, on a writer thread beside the dreamer:
PNG, video, manifest line, checkpoint and preview, in that order, one frame at a time.

The frame is rounded to 8 bits once, for the PNG, the encoder, the preview and the `clipped` figure. PNGs
and manifest lines are not fsynced one by one: a checkpoint makes the frames before it durable, then
itself, on its own thread (pipeline/output/checkpointer.py), so the writer never waits for the disk.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from pipeline.cli.quoting import resume_command
from pipeline.errors import UserError
from pipeline.output.checkpointer import Checkpointer
from pipeline.output.frames import save_png
from pipeline.output.manifest import Manifest
from pipeline.output.previews import save_jpeg
from pipeline.output.quality import quality
from pipeline.output.video import Mp4Writer
from pipeline.sources.image import to_uint8

PREVIEW = "preview.jpg"


class FrameSink:
    """At most one frame is in flight, so memory stays bounded and a write error surfaces by the next frame.

    The checkpoint is written last: it only ever points past frames that are already on disk.
    """

    def __init__(
        self,
        run_dir: Path,
        video: Mp4Writer,
        manifest: Manifest,
        preview_every: int,
        on_preview: Callable[[], object] | None = None,  # after each preview: refresh the run's page
    ):
        self.run_dir, self.video, self.manifest, self.preview_every = run_dir, video, manifest, preview_every
        self.on_preview = on_preview
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frame-writer")
        self.pending: Future | None = None
        self.unsynced: list[Path] = []  # frames written since the last checkpoint, not yet fsynced
        self.checkpoints = self._checkpointer(run_dir, manifest)

    def _checkpointer(self, run_dir: Path, manifest: Manifest) -> Checkpointer:
        return Checkpointer(run_dir, manifest)

    def submit(self, index: int, dreamed: np.ndarray, next_input: np.ndarray | None, record: dict) -> None:
        """`next_input` None: this frame saves no checkpoint (a cadence in-between: a resume restarts
        after the last dreamed frame and makes it again, identically)."""
        self.wait()
        self.pending = self.pool.submit(self._write, index, dreamed, next_input, record)

    def _write(self, index: int, dreamed: np.ndarray, next_input: np.ndarray | None, record: dict) -> None:
        with self._errors_as_one_line(f"frame {index}"):
            self._write_all(index, dreamed, next_input, record)

    @contextlib.contextmanager
    def _errors_as_one_line(self, what: str):
        try:
            yield
        except OSError as error:  # a full disk, a vanished folder: one line, and the frames before stay
            raise UserError(
                f"could not write {what} into {self.run_dir} ({error.strerror or error}); the frames "
                f"before it are kept: free some space, then continue with: {resume_command(self.run_dir)}"
            ) from None

    def _write_all(self, index: int, frame: np.ndarray, keep: np.ndarray | None, record: dict) -> None:
        """The frame's outputs in order, one small step each (a benchmark times them apart by overriding
        them: pipeline/bench/stand_ins.py)."""
        started = time.perf_counter()
        eight = self.eight_bit(frame)
        self.save_frame(index, eight)
        self.encode(eight)
        previewed = bool(self.preview_every) and index % self.preview_every == 0
        if previewed:
            self.preview(eight)
        record = {**record, "quality": self.figures(frame, eight)}  # here, off the dreamer's path
        self.note({**record, "write_seconds": round(time.perf_counter() - started, 4)})
        if keep is not None:  # None: a frame made between two dreams (cadence), nothing to resume from
            self.checkpoint(index, keep)
        if previewed and self.on_preview:
            self.on_preview()

    def eight_bit(self, frame: np.ndarray) -> np.ndarray:
        return to_uint8(frame)

    def save_frame(self, index: int, eight: np.ndarray) -> None:
        path = self.run_dir / "frames" / f"{index:06d}.png"
        save_png(path, eight, sync=False)  # on disk for good at the next checkpoint
        self.unsynced.append(path)

    def encode(self, eight: np.ndarray) -> None:
        self.video.write(eight)

    def preview(self, eight: np.ndarray) -> None:
        save_jpeg(self.run_dir / PREVIEW, eight)

    def figures(self, frame: np.ndarray, eight: np.ndarray) -> dict[str, float]:
        return quality(frame, eight)

    def note(self, record: dict) -> None:
        self.manifest.append(record)

    def checkpoint(self, index: int, keep: np.ndarray) -> None:
        """Hands the checkpoint to its thread, with the frames it will make durable before it."""
        self.checkpoints.save(index + 1, keep, self.unsynced)
        self.unsynced = []

    def wait(self) -> None:
        """Block until the frame in flight is written; re-raise its error, if any."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def close(self) -> None:
        """Wait for the frame in flight and the checkpoints after it."""
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True)
            with self._errors_as_one_line("the last checkpoint"):
                self.checkpoints.close()
