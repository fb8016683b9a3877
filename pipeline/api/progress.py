"""Progress bars that fit where the API runs: tqdm.auto picks a widget in a notebook (where ipywidgets is
installed) and the console bar elsewhere; quiet=True draws nothing.

A render's frame bar is the loop's own (pipeline.run.loop.progress_bar), told which tqdm class to use;
a single dream counts its gradient steps through the stop check the dreamer asks before every step.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator


def bar_class(quiet: bool) -> type:
    """The tqdm class for a bar: tqdm.auto's, or one that is always disabled."""
    from tqdm.auto import tqdm

    if not quiet:
        return tqdm

    class Silent(tqdm):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **{**kwargs, "disable": True})

    return Silent


@contextlib.contextmanager
def step_bar(total: int, what: str, quiet: bool) -> Iterator[Callable[[], bool]]:
    """A bar of `total` gradient steps; yields the stop check to hand the dreamer, which ticks it (and
    never asks to stop: Ctrl-C in a notebook interrupts the dream as any Python code)."""
    bar = bar_class(quiet)(total=total, unit="step", desc=what, leave=False, dynamic_ncols=True)

    def tick() -> bool:
        bar.update(1)
        return False

    try:
        yield tick
    finally:
        bar.close()


class BelowWarning(logging.Filter):
    """On a console handler: only warnings and errors (quiet=True); the run's log file keeps everything."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING
