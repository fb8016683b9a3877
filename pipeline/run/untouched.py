"""A refused render leaves its run directory as it was, and a render never starts over a finished one.

What the folder held is noted before anything is written there (by the Hydra callback, before Hydra makes
the folder and writes its record and log; or when render() is called directly), and when a check refuses
the render before its first frame, whatever appeared since (the lock, render.log, .hydra/, music.json, an
empty frames/, the folder itself) is removed again. The render holds the folder's lock meanwhile, so
nothing else wrote there. Imports nothing heavy: the Hydra callback loads it at start-up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from pipeline.cli.quoting import resume_command, shell_path
from pipeline.errors import UserError

_before: dict[Path, frozenset[str] | None] = {}  # run folder -> names it held (None: it did not exist)
# what a render leaves once it has made a frame: a finished or interrupted run (frames/ may be gone)
MADE = ("state/next.json", "frames.jsonl", "plan.json")


def note(run_dir: Path) -> None:
    """Remember what run_dir holds now (a note the Hydra callback took stands until the render uses it)."""
    key = run_dir.absolute()
    if key not in _before:
        _before[key] = frozenset(os.listdir(run_dir)) if run_dir.is_dir() else None


def check_not_a_run(run_dir: Path, video_filename: str = "dream.mp4") -> None:
    """A fresh render into a folder that already holds one (its frames may have been left behind, as
    with `rsync --exclude 'frames/'`) is refused: one line saying how to continue it instead."""
    held = [name for name in (*MADE, video_filename) if (run_dir / name).is_file()]
    held += ["frames/*.png"] if any(run_dir.glob("frames/*.png")) else []
    if held:
        raise UserError(
            f"{shell_path(run_dir)} already holds a render ({held[0]}); to continue it: "
            f"{resume_command(run_dir)}, or render into a new folder (hydra.run.dir=PATH)"
        )


@contextlib.contextmanager
def refused_leaves_no_trace(run_dir: Path) -> Iterator[None]:
    """Inside: the checks before frame 0. A UserError from them undoes what appeared since `note`."""
    note(run_dir)
    try:
        yield
    except UserError:
        undo(run_dir)
        raise
    finally:  # the note is this render's only: a later render in this process notes afresh
        _before.pop(run_dir.absolute(), None)


def undo(run_dir: Path) -> None:
    """Remove what appeared in run_dir since its note (nothing, without one)."""
    key = run_dir.absolute()
    if key not in _before or not run_dir.is_dir():
        return
    before = _before[key]
    for entry in run_dir.iterdir():
        if before is None or entry.name not in before:
            with contextlib.suppress(OSError):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    if before is None:
        with contextlib.suppress(OSError):
            run_dir.rmdir()
