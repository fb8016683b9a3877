"""Where each frame's input comes from: the zoom loop (the last dream, moved by the camera) or a clip.

A feed hands the loop the next frame to dream and, after dreaming, returns the `carry`: the state the
checkpoint saves so a resume continues exactly (the next input for the zoom loop, the last dream for a clip).
`frame_at(index, dreamer)` does both around the dream; a cadence feed (animation/cadence.py) has it too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.animation.camera import Camera
from pipeline.animation.coherence import Coherence
from pipeline.sources.clip import ClipEnded, read_clip


class DreamEveryFrame:
    """Feeds that dream every frame: input, dream, carry."""

    def frame_at(self, index: int, dreamer) -> tuple[np.ndarray, dict, np.ndarray]:
        """(the output frame, its manifest record, the checkpoint's carry)."""
        source, carried = self.next_input(index)
        dreamed, record = dreamer.dream(source, index)
        return dreamed, {**record, **carried, "dreamed": True}, self.advance(index, dreamed)


class ZoomFeed(DreamEveryFrame):
    """Frame N+1 is frame N's dream after one step of the camera: the dive into the dream."""

    def __init__(self, camera: Camera, first_input: np.ndarray):
        self.camera, self.frame = camera, first_input

    def next_input(self, index: int) -> tuple[np.ndarray, dict]:
        return self.frame, {}

    def advance(self, index: int, dreamed: np.ndarray) -> np.ndarray:
        self.frame = self.camera.warp(dreamed, index / self.camera.fps)
        return self.frame

    def close(self) -> None:
        pass


class ClipFeed(DreamEveryFrame):
    """Frame N is the clip's frame N (framed by the camera's move so far), with the previous dream carried
    onto it by the coherence mode. Frames stream from the file: one in memory at a time."""

    def __init__(
        self, path: Path, camera: Camera, coherence: Coherence, start: int, carry: np.ndarray | None
    ):
        self.camera, self.coherence, self.moving = camera, coherence, camera.moved()
        self.travelled = np.eye(3)  # the camera's whole move so far: how the clip's next frame is framed
        self.path, self.frames = path, read_clip(path, camera.width, camera.height)
        self.previous_source: np.ndarray | None = None
        self.previous_dream = carry
        for index in range(start):  # a resume re-reads (not re-dreams) the frames before it
            self.previous_source = self._framed(self._read(index), index)
        self.source: np.ndarray | None = None

    def _read(self, index: int) -> np.ndarray:
        """The clip's next frame; a file that ends (or breaks) early is one line, after what is done."""
        try:
            return next(self.frames)
        except (StopIteration, RuntimeError, OSError) as error:
            lines = str(error).strip().splitlines() or ["it ends there"]
            raise ClipEnded(
                f"input: {self.path} gave no frame {index} ({lines[-1].strip()}; is the file cut short?); "
                f"the {index} frames before it are dreamed and encoded"
            ) from None

    def _framed(self, frame: np.ndarray, index: int) -> np.ndarray:
        framed = self.camera.apply(frame, self.travelled[:2]) if self.moving else frame
        self.travelled = (
            np.vstack([self.camera.matrix(index / self.camera.fps), [0.0, 0.0, 1.0]]) @ self.travelled
        )
        return framed

    def next_input(self, index: int) -> tuple[np.ndarray, dict]:
        self.source = self._framed(self._read(index), index)
        frame, stats = self.coherence.next_input(self.source, self.previous_source, self.previous_dream)
        return frame, {"coherence": stats}

    def advance(self, index: int, dreamed: np.ndarray) -> np.ndarray:
        self.previous_source, self.previous_dream = self.source, dreamed
        return dreamed

    def close(self) -> None:
        close = getattr(self.frames, "close", None)
        if close is not None:
            close()
