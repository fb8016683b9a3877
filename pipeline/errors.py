"""Mistakes a user can fix, and the one way every command and callback reports them: one line, exit 2.

`UserError` carries the message (what is wrong, how to fix it, the valid choices); `report` prints it as
`error: ...` on stderr and exits with code 2, never with a traceback; `one_line` is how any exception or
program output is shortened to the single line such a message quotes.
"""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

EXIT_MISTAKE = 2  # exit code for a mistake in the settings or the input (argparse uses 2 as well)


class UserError(ValueError):
    """A bad setting or input: the message says what is wrong and how to fix it, in one line.

    It subclasses ValueError so config dataclasses can raise it from ``__post_init__`` and OmegaConf
    passes it through unchanged.
    """


def one_line(text: BaseException | str | bytes, last: bool = False) -> str:
    """An exception's message or a program's output as one line: every line joined with whitespace
    collapsed, or with `last` only the last non-empty line (ffmpeg puts its most specific complaint
    there). An exception without a message is named by its type; nothing at all reads "no message"."""
    if isinstance(text, BaseException):
        text = str(text).strip() or type(text).__name__
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no message"
    return lines[-1] if last else " ".join(" ".join(lines).split())


CONSOLE_SHOWS_IT = "console"  # a log record's extra: False keeps it off the console (printed there already)


def report(error: BaseException | str, log: logging.Logger | None = None) -> NoReturn:
    """End a command on a mistake: `error: <one line>` on stderr (and in the run's log, if given), exit 2."""
    message = one_line(error)
    if log is not None:  # the log file keeps it; the console shows the `error:` line alone (run/console.py)
        log.error("%s", message, extra={CONSOLE_SHOWS_IT: False})
    print(f"error: {message}", file=sys.stderr)
    sys.exit(EXIT_MISTAKE)
