"""The frame loop, the one place a frame is dreamed, written and fed back:

    for each frame to dream:  input (the last dream moved by the camera, or the clip's frame)
                              → dream it → colour → write (after the frames made between the dreams)
                              → the camera moves it into the next input

Everything it uses was built and checked before frame 0 (run/renderer.py); the feed (animation/feeds.py,
animation/cadence.py) says which frames are dreamed and what each one's input is, and never dreams itself.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.animation.feeds import Written
from pipeline.errors import UserError
from pipeline.output.manifest import layer_caption
from pipeline.run.console import FRAMES_LOGGER

frames_log = logging.getLogger(FRAMES_LOGGER)  # render.log only, unless log_frames=true (run/console.py)
# The tqdm class that draws the bar: None is the console's. The Python API sets it for the render it runs
# (tqdm.auto's widget in a notebook, a disabled bar for quiet=True); the command line never does.
BAR_CLASS: contextvars.ContextVar[type | None] = contextvars.ContextVar("bar_class", default=None)


class Outcome(enum.Enum):
    FINISHED = "finished"  # every frame is written
    STOPPED = "stopped"  # a stop request (Ctrl-C, SIGTERM): the frame in flight was abandoned
    CLIP_ENDED = "clip ended"  # the clip gave fewer frames than planned: the ones dreamed are written


@dataclass(frozen=True)
class LoopEnd:
    outcome: Outcome
    reason: UserError | None = None  # CLIP_ENDED: the one line that says where the clip ran out


def dream_frames(renderer, feed, sink, stop_after_frame: Callable[[], bool], progress) -> LoopEnd:
    """Dream, write and feed back every frame the feed has left; the sink writes on its own thread.
    `stop_after_frame` is asked after each written frame (the dreamer asks its own `should_stop` between
    steps: a SIGUSR2 lets the frame finish, then ends the loop here)."""
    from pipeline.dreamer.ascent import DreamStopped
    from pipeline.sources.clip import ClipEnded

    for index in feed.frames_to_dream():
        try:
            source, facts = feed.input_for(index)  # 1. the input
            dreamed = renderer.dream(source, index)  # 2. dream it (the dreamer asks should_stop too)
        except DreamStopped:
            return LoopEnd(Outcome.STOPPED)
        except ClipEnded as ended:
            return LoopEnd(Outcome.CLIP_ENDED, ended)
        image = renderer.colour(dreamed.image, index)  # 3. colour: what is written is what is fed back
        for written in feed.move_on(index, image):  # 4. the camera moves the dream on: frames to write
            record = _record(renderer, written, {**dreamed.record, **facts})
            sink.submit(written.index, written.image, written.keep, record)  # 5. write
            progress(written.index, _summary(record))
            if stop_after_frame():  # after this frame: a resume makes the rest again from the last checkpoint
                return LoopEnd(Outcome.STOPPED)
    return LoopEnd(Outcome.FINISHED)


def _record(renderer, written: Written, dreamed: dict) -> dict:
    """The manifest line: the dream's, or for a frame made between two dreams, when it is and between what."""
    if written.between is None:
        return {**dreamed, "dreamed": True}
    return {**renderer.describe(written.index), "dreamed": False, "between": list(written.between)}


def _summary(record: dict) -> str:
    if not record["dreamed"]:
        return "made between the dreams at frames {} and {}".format(*record["between"])
    caption = layer_caption(record["layers"])
    return f"layers {caption}  objective {record['objective_end']:.4g}  {record['dream_seconds']:.2f}s"


@contextlib.contextmanager
def progress_bar(start: int, frames: int):
    """A console bar (stderr) and a line per frame in render.log; yields `progress(index, summary)`."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    bar_class = BAR_CLASS.get() or tqdm
    with logging_redirect_tqdm(tqdm_class=bar_class):
        bar = bar_class(initial=start, total=frames, unit="frame", desc="dreaming", dynamic_ncols=True)

        def progress(index: int, summary: str) -> None:
            bar.update(1)
            bar.set_postfix_str(summary, refresh=False)
            frames_log.info("frame %d/%d  %s", index + 1, frames, summary)

        try:
            yield progress
        finally:
            bar.close()
