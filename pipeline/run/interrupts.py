"""Ctrl-C and SIGTERM as a polite request: the frame in flight finishes, then the render wraps up."""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


class StopRequest:
    """While active, the first SIGINT/SIGTERM sets `requested` (the loop ends after the current frame,
    and what is done is encoded); a second one interrupts at once (the saved frames and state survive)."""

    def __init__(self) -> None:
        self.requested: int | None = None  # the signal number, once asked to stop
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        if self.requested is not None:
            raise KeyboardInterrupt
        self.requested = signum
        log.warning(
            "%s: finishing this frame, then encoding what is done (again to stop at once)",
            signal.Signals(signum).name,
        )

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
        """The shell's convention: 128 + signal number (130 for Ctrl-C)."""
        return 128 + (self.requested or 0)
