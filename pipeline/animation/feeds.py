"""Where each frame's input comes from, and where each dream goes: the zoom loop (the last dream, moved by
the camera) or a clip. Feeds never dream: the loop (pipeline/run/loop.py) asks a feed which frames to dream
and what each one's input is, dreams it, and hands the dream back with `move_on`, which says what to write
and keeps what the next input follows from.

Each frame to write comes with its `keep`: what the checkpoint saves after it so a resume continues exactly
(the next input for the zoom loop, the last dream for a clip or cadence; None for a frame made between two
dreams, which a resume makes again).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.animation.camera import Camera
from pipeline.animation.coherence import Coherence
from pipeline.sources.clip import ClipEnded, read_clip

Frame = np.ndarray  # float32 RGB HWC in [0, 1]


@dataclass
class Written:
    """One output frame, in order: the picture, what the checkpoint keeps after it, and for a frame made
    between two dreams (cadence) the indices of those dreams."""

    index: int
    image: Frame
    keep: Frame | None
    between: tuple[int, int] | None = None


class ZoomFeed:
    """Frame N+1 is frame N's dream after one step of the camera: the dive into the dream."""

    def __init__(self, camera: Camera, count: int, start: int, next_input: Frame):
        """`next_input`: the first frame's (start 0), or the one a resume's checkpoint kept."""
        self.camera, self.count, self.start, self.frame = camera, count, start, next_input

    def frames_to_dream(self) -> Iterator[int]:
        return iter(range(self.start, self.count))

    def input_for(self, index: int) -> tuple[Frame, dict]:
        """(the input, facts for the manifest)."""
        return self.frame, {}

    def move_on(self, index: int, dream: Frame) -> list[Written]:
        """The dream is written as it is; the camera's step moves it into the next frame's input."""
        self.frame = self.camera.warp(dream, index / self.camera.fps)
        return [Written(index, dream, self.frame)]

    def close(self) -> None:
        pass


class ClipFeed:
    """Frame N is the clip's frame N (framed by the camera's move so far), with the previous dream carried
    onto it by the coherence mode. Frames stream from the file: one in memory at a time."""

    def __init__(
        self, path: Path, camera: Camera, coherence: Coherence, count: int, start: int, carry: Frame | None
    ):
        """`carry`: the last dream before `start` (a resume), else None."""
        self.camera, self.coherence, self.moving = camera, coherence, camera.moved()
        self.count, self.start = count, start
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

    def frames_to_dream(self) -> Iterator[int]:
        return iter(range(self.start, self.count))

    def input_for(self, index: int) -> tuple[Frame, dict]:
        """The clip's frame, with the previous dream carried onto it; raises ClipEnded past its end."""
        self.source = self._framed(self._read(index), index)
        frame, stats = self.coherence.next_input(self.source, self.previous_source, self.previous_dream)
        return frame, {"coherence": stats}

    def move_on(self, index: int, dream: Frame) -> list[Written]:
        """The dream is written and kept: the next frame's coherence carries it along the clip's motion."""
        self.previous_source, self.previous_dream = self.source, dream
        return [Written(index, dream, dream)]

    def close(self) -> None:
        close = getattr(self.frames, "close", None)
        if close is not None:
            close()
