"""Ctrl-C and SIGTERM as a polite request: the frame in flight stops between two gradient steps (it is not
written), what is done is encoded, and the command that continues the render is printed, ready to paste.

SIGUSR2 is SLURM's warning that the time limit is near (`--signal`, minutes ahead): the frame in flight is
finished first, then the same. A SIGTERM after it (the limit itself) still stops between two steps."""

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


FINISH_FRAME = tuple(getattr(signal, name) for name in ("SIGUSR2",) if hasattr(signal, name))
SIGNALS = (signal.SIGINT, signal.SIGTERM, *FINISH_FRAME)


class StopRequest:
    """While active, the first SIGINT/SIGTERM sets `requested`: the dreamer polls `should_stop` between
    steps and abandons its frame, the loop ends and what is done is encoded. A SIGUSR2 first lets the frame
    in flight finish. A second signal raises StopNow wherever the main thread is."""

    def __init__(self) -> None:
        self.requested: int | None = None  # the signal number, once asked to stop
        self.abandon_frame = False  # stop between two gradient steps, not after the frame
        self.previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if self.requested is None:
            self.requested, self.abandon_frame = signum, signum not in FINISH_FRAME
            doing = "stopping this frame" if self.abandon_frame else "finishing this frame"
            log.warning("%s: %s, then encoding what is done (again to stop at once)", name, doing)
        elif not self.abandon_frame and signum not in FINISH_FRAME:  # the time limit after its warning
            self.abandon_frame = True
            log.warning("%s: stopping this frame, then encoding what is done", name)
        else:
            raise StopNow(128 + signum)

    def should_stop(self) -> bool:
        """Cheap enough to call between gradient steps: the dreamer knows nothing of signals."""
        return self.abandon_frame

    def stop_after_frame(self) -> bool:
        """Asked by the loop once a frame is written: any request ends the render there (SIGUSR2 too,
        whose frame was let finish)."""
        return self.requested is not None

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():  # signals only reach the main thread
            for signum in SIGNALS:
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
