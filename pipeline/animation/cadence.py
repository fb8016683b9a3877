"""Cadence: dream every Nth frame of a zoom render and make the frames between from the camera's motion.

The camera's step between frames is known exactly, so frame k between the dreams at i and j = i + N is
the dream at i moved forward by the k - i steps, cross-faded (weight w = (k - i) / (j - i)) with the dream
at j moved back by j - k steps (the inverse warp). Where the inverse would sample outside the dream at j
(a zoom-in's back warp zooms out), the forward warp is used alone. The dreamed frame j starts from the
dream at i moved by all N steps at once (one interpolation, not N). The last frame of the video is always
dreamed, so every frame lies between two dreams.

A dreamed frame after the first is written as sharp as the in-betweens around it: the dream moved back one
camera step and forward again (`settle`). Every in-between is a camera warp of a dream, and each warp's
interpolation softens pixel-fine detail a little; written untouched, every Nth frame would be crisper than
the others, a pulse of sharpness the smoothness metric sees (the step into a dreamed frame was 1.5x the
steps around it at 160x90, 1.1x settled) and the eye sees as flicker. The crisp dream is what the next dream
starts from and what the checkpoint keeps; only the written frame is settled (over a 48-frame 160x90
video the dream strength kept went from 85.8% to 85.4%).

Resume: only dreamed frames save a checkpoint (the dream itself), so a resume restarts at the frame after a
dream and recomputes the same in-betweens (frame j's randomness depends only on (seed, j)).
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from pipeline.animation.camera import Camera
from pipeline.animation.feeds import Frame, Written


def travel(camera: Camera, start: int, stop: int) -> np.ndarray:
    """3x3 matrix of the camera's whole move from frame `start` to frame `stop` (the per-frame steps
    composed exactly, in order)."""
    moved = np.eye(3)
    for index in range(start, stop):
        moved = np.vstack([camera.matrix(index / camera.fps), [0.0, 0.0, 1.0]]) @ moved
    return moved


def inside(matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """(H, W) bool: whether each output pixel of a warp by `matrix` (output -> source is its inverse)
    samples inside the source frame.

    Exactly `0 <= sx <= W-1 and 0 <= sy <= H-1` with each source coordinate evaluated in float64 as
    `a * x + b * y + c`, without a full-size float64 grid: along a row each coordinate is monotone in x,
    so each of the four conditions holds on one side of a threshold, found by bisection on all rows at
    once (about log2(W) steps on (H,) vectors); the mask is then two integer comparisons per pixel."""
    back = np.linalg.inv(matrix)
    ys = np.arange(height, dtype=np.float64)
    first = np.zeros(height, np.int64)  # per row: the first and last x inside so far
    last = np.full(height, width - 1, np.int64)
    for (a, b, c), limit in ((back[0], width - 1), (back[1], height - 1)):
        row_part = b * ys
        for lower in (True, False):  # coordinate >= 0, then coordinate <= limit

            def holds(x: np.ndarray, a=a, c=c, row_part=row_part, lower=lower, limit=limit) -> np.ndarray:
                coordinate = a * x.astype(np.float64) + row_part + c
                return coordinate >= 0 if lower else coordinate <= limit

            if a == 0:  # constant along the row: all of it or none
                first = np.where(holds(np.zeros(height, np.int64)), first, width)
            elif (a > 0) == lower:  # false, then true as x grows: x >= the first x where it holds
                first = np.maximum(first, _first_true(holds, height, width))
            else:  # true, then false: x < the first x where it fails
                last = np.minimum(last, _first_true(lambda x, h=holds: ~h(x), height, width) - 1)
    columns = np.arange(width, dtype=np.int32)
    return (columns >= first.astype(np.int32)[:, None]) & (columns <= last.astype(np.int32)[:, None])


def _first_true(predicate, rows: int, width: int) -> np.ndarray:
    """(rows,) smallest x in 0..width-1 where `predicate` ((rows,) x -> (rows,) bool, false then true
    along each row) holds, or width where it never does: bisection on every row at once."""
    low, high = np.zeros(rows, np.int64), np.full(rows, width, np.int64)
    while (active := low < high).any():
        middle = (low + high) // 2
        holds = predicate(np.minimum(middle, width - 1))  # rows already found may sit at width
        high = np.where(active & holds, middle, high)
        low = np.where(active & ~holds, middle + 1, low)
    return low


def settle(camera: Camera, dream: Frame, index: int) -> Frame:
    """Dream `index` as it is written: moved back by the camera's step into it and forward again (the two
    interpolations an in-between's view of a dream goes through), so it is no sharper than its neighbours."""
    step = travel(camera, index - 1, index)
    return camera.apply(camera.apply(dream, np.linalg.inv(step)[:2]), step[:2])


def in_between(camera: Camera, first: tuple[int, Frame], last: tuple[int, Frame], index: int) -> Frame:
    """Frame `index` between the dreams `first` = (i, dream) and `last` = (j, dream), i < index < j.
    Blended in place in float32 (the same numbers as `(1 - w) * forward + w * back`), one frame-sized
    temporary beside the two warps, and the mask applied by OpenCV."""
    (i, dream_i), (j, dream_j) = first, last
    weight = (index - i) / (j - i)
    forward = camera.apply(dream_i, travel(camera, i, index)[:2])
    back_matrix = np.linalg.inv(travel(camera, index, j))
    blended = camera.apply(dream_j, back_matrix[:2])
    blended *= weight
    blended += (1.0 - weight) * forward
    mask = inside(back_matrix, camera.width, camera.height).view(np.uint8)
    return cv2.copyTo(blended, mask, forward)  # in place; NumPy's broadcast (H, W, 1) mask took 20-30 ms


class CadenceFeed:
    """The zoom loop with cadence N: dreams every Nth frame (and the last), and after each dream hands out
    the frames between it and the dream before, made from the camera's motion, then the dream itself."""

    def __init__(self, camera: Camera, every: int, count: int, start: int, carried: Frame):
        """`carried`: the first input (start 0), or the dream at frame start - 1 (a resume)."""
        self.camera, self.every, self.count = camera, every, count
        self.first_input = carried if start == 0 else None
        self.previous: tuple[int, Frame] | None = None if start == 0 else (start - 1, carried)

    def frames_to_dream(self) -> Iterator[int]:
        """0 (unless resuming), then every Nth frame after the last dream, and the last frame."""
        if self.previous is None:
            yield 0
        while self.previous[0] < self.count - 1:
            yield min(self.previous[0] + self.every, self.count - 1)

    def input_for(self, index: int) -> tuple[Frame, dict]:
        """The first input, or the last dream moved by all the camera's steps up to `index` at once (one
        interpolation, not N)."""
        if self.previous is None:
            return self.first_input, {}
        start, dream = self.previous
        return self.camera.apply(dream, travel(self.camera, start, index)[:2]), {}

    def move_on(self, index: int, dream: Frame) -> Iterator[Written]:
        """The in-betweens since the last dream, then this dream (settled, after frame 0); the dream itself
        is kept, for the next dream's input and the checkpoint."""
        before, self.previous = self.previous, (index, dream)
        if before is None:
            return iter([Written(index, dream, dream)])
        return self._between(before, (index, dream))

    def _between(self, before: tuple[int, Frame], after: tuple[int, Frame]) -> Iterator[Written]:
        """One frame at a time, so only one in-between is in memory."""
        (i, _), (j, dream) = before, after
        for index in range(i + 1, j):
            yield Written(index, in_between(self.camera, before, after, index), None, (i, j))
        yield Written(j, settle(self.camera, dream, j), dream)

    def close(self) -> None:
        pass
