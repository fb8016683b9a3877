"""Ctrl-C and SIGTERM as a polite request: the frame in flight stops between two gradient steps (it is not
written), what is done is encoded, and the command that continues the render is printed, ready to paste."""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


class StopNow(KeyboardInterrupt):
    """The second signal: stop at once (files on disk stay consistent: each is written atomically)."""

    def __init__(self, exit_code: int):
        super().__init__(f"stopped at once (exit {exit_code})")
        self.exit_code = exit_code


class StopRequest:
    """While active, the first SIGINT/SIGTERM sets `requested`: the dreamer polls `should_stop` between
    steps and abandons its frame, the loop ends and what is done is encoded. A second signal raises
    StopNow wherever the main thread is."""

    def __init__(self) -> None:
        self.requested: int | None = None  # the signal number, once asked to stop
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self.requested is not None:
            raise StopNow(128 + signum)
        self.requested = signum
        log.warning(
            "%s: stopping this frame, then encoding what is done (again to stop at once)",
            signal.Signals(signum).name,
        )

    def should_stop(self) -> bool:
        """Cheap enough to call between gradient steps: the dreamer knows nothing of signals."""
        return self.requested is not None

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():  # signals only reach the main thread
            for signum in (signal.SIGINT, signal.SIGTERM):
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + signal number (130 for Ctrl-C, 143 for SIGTERM)."""
        return 128 + (self.requested or 0)


def exit_code_of(stop: BaseException) -> int:
    """130 for a plain KeyboardInterrupt (Ctrl-C before the loop started), else the signal's code."""
    return getattr(stop, "exit_code", 130)
