"""One writer per run directory: an OS file lock on `<run>/.lock`, held for the life of a render or encode.

`fcntl.flock` locks belong to the open file, so the kernel drops them when the holder dies, even by
SIGKILL: a lock left by a killed render is simply free again, and there is no pid to guess about. The file
holds the holder's pid and command line, only to name it in the refusal. (flock is advisory and
per-host: two machines writing one folder over NFS are not stopped by it.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import UserError

LOCK = ".lock"
_held: dict[Path, int] = {}  # lock file -> descriptor, for the locks this process holds


def acquire(run_dir: Path, doing: str) -> bool:
    """Take run_dir's lock for this process, or raise one line naming its holder. Returns False if this
    process already holds it (taking it twice is a no-op), True if it was taken now."""
    path = (run_dir / LOCK).absolute()
    if path in _held:
        return False
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise UserError(
            f"cannot lock {run_dir} to {doing} ({error.strerror}); check its permissions"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 4096).decode(errors="replace").strip() or "another process"
        os.close(fd)
        elsewhere = ", or choose another hydra.run.dir" if doing == "render" else ""  # not for a resume
        raise UserError(
            f"cannot {doing}: {run_dir} is in use by {holder}; wait for it to end (or stop it), "
            f"then run this again{elsewhere}"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()} ({shlex.join(sys.argv)})\n".encode())
    _held[path] = fd
    return True


def release(run_dir: Path) -> None:
    fd = _held.pop((run_dir / LOCK).absolute(), None)
    if fd is not None:
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the only descriptor releases the flock


@contextlib.contextmanager
def run_lock(run_dir: Path, doing: str) -> Iterator[None]:
    """Hold run_dir's lock inside the block (unless this process already held it: then it stays held)."""
    taken = acquire(run_dir, doing)
    try:
        yield
    finally:
        if taken:
            release(run_dir)
