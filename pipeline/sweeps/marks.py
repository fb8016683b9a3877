"""How a job's latest attempt ended, as one small file in its directory: what the sweep's index reads back.

A job can be attempted more than once (a resume, a requeue at the time limit), so each mark replaces any
earlier one and an attempt that finishes removes them all: a resumed job that completes is never still
listed as failed. REQUEUES is history, not a mark: it stays after the job finishes.
"""

from __future__ import annotations

from pathlib import Path

FAILED = "FAILED"  # the job failed in Python; the file holds the one-line reason
INTERRUPTED = "INTERRUPTED"  # stopped by a signal (Ctrl-C, SIGTERM, SLURM's warning); holds the exit code
NOT_RUN = "NOT_RUN"  # the sweep was stopped before this job started
KILLED = "KILLED"  # ended without a result, outside Python (kill -9, OOM, scancel at start-up); holds why
TIMED_OUT = "TIMED_OUT"  # reached its time limit once more than the launcher requeues; holds how often
MARKS = (FAILED, INTERRUPTED, NOT_RUN, KILLED, TIMED_OUT)
REQUEUES = "REQUEUES"  # one line per requeue at the time limit


def mark(job_dir: Path, name: str, text: str) -> None:
    """Record how this attempt ended, replacing an earlier attempt's mark."""
    job_dir.mkdir(parents=True, exist_ok=True)
    clear_marks(job_dir)
    (job_dir / name).write_text(text.rstrip("\n") + "\n")


def clear_marks(job_dir: Path) -> None:
    """The attempt finished: no earlier failure, interrupt or kill applies any more."""
    for name in MARKS:
        (job_dir / name).unlink(missing_ok=True)


def read_mark(job_dir: Path, name: str) -> str | None:
    path = job_dir / name
    return path.read_text().strip() if path.is_file() else None


def note_requeue(job_dir: Path, line: str) -> None:
    with (job_dir / REQUEUES).open("a") as history:
        history.write(line.rstrip("\n") + "\n")


def requeues(job_dir: Path) -> int:
    path = job_dir / REQUEUES
    return len(path.read_text().splitlines()) if path.is_file() else 0
