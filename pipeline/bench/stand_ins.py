"""Timed stand-ins for the loop benchmark (pipeline/bench/loop.py): the render's own Renderer, feed, sink
and MP4 writer, each subclassed or wrapped so its steps are timed, and a dream that costs nothing.

The production classes carry no timing code: the sink's steps are small methods (output/sink.py), which
the subclass here wraps one by one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from pipeline.output.checkpointer import Checkpointer
from pipeline.output.manifest import frame_record
from pipeline.output.sink import FrameSink
from pipeline.output.video import Mp4Writer
from pipeline.run.renderer import DreamedFrame, Renderer


class StageClock:
    """Seconds per named stage, added from the loop's thread and the writer's."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, stage: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            with self.lock:
                self.seconds[stage] += time.perf_counter() - started

    def wrap(self, stage: str, function):
        def timed(*args, **kwargs):
            with self(stage):
                return function(*args, **kwargs)

        return timed


class StandIn(Renderer):
    """The render's Renderer with a zero-cost dream: the input is the dream, its record says so (objective
    0, the layers, motion and settings at its time). Its colour match is timed."""

    def __init__(self, cfg, plan, out_dir: Path, clock: StageClock):
        super().__init__(cfg, plan, out_dir)
        self.clock = clock

    def dream(self, frame: np.ndarray, index: int) -> DreamedFrame:
        started, t = time.perf_counter(), index / self.plan.fps
        params = self.cfg.dream.at(t, first_frame=index == 0, curves=self.curves)
        facts = {"objective_start": 0.0, "objective_end": 0.0}
        record = frame_record(
            index, t, self.schedule.weights_at(index), self.camera.values_at(t), params, facts, started
        )
        return DreamedFrame(frame, record)

    def colour(self, frame: np.ndarray, index: int) -> np.ndarray:
        with self.clock("colour"):
            return super().colour(frame, index)


class TimedFeed:
    """The feed, with its warps timed: the next dream's input, the in-betweens and the settled dreams."""

    def __init__(self, feed, clock: StageClock):
        self.feed, self.clock = feed, clock

    def frames_to_dream(self):
        return self.feed.frames_to_dream()

    def input_for(self, index: int):
        with self.clock("warps"):
            return self.feed.input_for(index)

    def move_on(self, index: int, dream: np.ndarray):
        with self.clock("warps"):
            made = iter(self.feed.move_on(index, dream))
        while True:
            with self.clock("warps"):
                written = next(made, None)
            if written is None:
                return
            yield written

    def close(self) -> None:
        self.feed.close()


def _timed(stage: str, method):
    def run(self, *args):
        with self.clock(stage):
            return method(self, *args)

    return run


class TimedSink(FrameSink):
    """The real sink with each of its steps timed (on the writer thread) and the loop's wait for it."""

    def __init__(self, *args, clock: StageClock):
        self.clock = clock
        super().__init__(*args)

    def _checkpointer(self, run_dir: Path, manifest) -> Checkpointer:
        return TimedCheckpointer(run_dir, manifest, clock=self.clock)

    submit = _timed("writer wait", FrameSink.submit)  # the loop waits here for the frame in flight
    eight_bit = _timed("8-bit", FrameSink.eight_bit)
    save_frame = _timed("png", FrameSink.save_frame)
    preview = _timed("preview", FrameSink.preview)
    figures = _timed("quality", FrameSink.figures)
    note = _timed("manifest", FrameSink.note)
    checkpoint = _timed("checkpoint", FrameSink.checkpoint)


class TimedCheckpointer(Checkpointer):
    """The real checkpoint thread, its work (the fsyncs, the checkpoint's files) timed."""

    def __init__(self, *args, clock: StageClock):
        super().__init__(*args)
        self.clock = clock

    _write_waiting = _timed("checkpoint thread", Checkpointer._write_waiting)


class TimedMp4(Mp4Writer):
    """The real MP4 writer with its pipe writes into x264 timed (the sink rounds the frame to 8 bits)."""

    def __init__(self, *args, clock: StageClock):
        super().__init__(*args)
        self.clock = clock

    def write(self, frame: np.ndarray) -> None:
        with self.clock("x264 pipe"):
            super().write(frame)


class NoEncoder(TimedMp4):
    """Takes the 8-bit frames x264 would be sent and drops them: the loop's cost without the encoder's."""

    def __init__(self, *args, clock: StageClock):
        super().__init__(*args, clock=clock)
        self.count = 0

    @property
    def frames_written(self) -> int:
        return self.count

    def write(self, frame: np.ndarray) -> None:
        self.count += 1

    def close(self) -> Path:
        return self.path
