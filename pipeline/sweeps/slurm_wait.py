"""Wait for every job of a SLURM sweep, however it ends, saying on the console why a job is still pending.

submitit's own wait gives up at the first job that left no result (killed outside Python: kill -9, the
OOM killer, scancel while it started), raising before the sweep's pages are written, and without
accounting it never learns that such a job ended. This wait reads each job's result file and asks squeue
what is still queued: a job that has left the queue without a result is reported as lost, with SLURM's
own account of it, once its result has had time to appear on a shared filesystem.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline.sweeps.slurm_queue import final_state, pending_note, queued

log = logging.getLogger(__name__)

POLL_S = 1.0  # result files are looked for this often
QUEUE_POLL_S = (2.0, 30.0)  # squeue: every 2 s at first, every 30 s at most in a long sweep
RESULT_GRACE_S = 15.0  # after a job left the queue, its result file may take this long to show (NFS)


def wait_for(job_ids: Sequence[str], results: Sequence[Path], nums: Sequence[int]) -> list[str | None]:
    """For each job: None once its result file exists, or SLURM's account of a job that ended without
    one. Pending reasons are logged when they change."""
    watch = _Watch(job_ids, nums)
    waiting = set(range(len(job_ids)))
    while waiting:
        waiting -= {i for i in waiting if _exists(results[i])}
        watch.ask(waiting)
        waiting -= watch.give_up(waiting)
        if waiting:
            time.sleep(POLL_S)
    return [watch.lost.get(i) for i in range(len(job_ids))]


class _Watch:
    """What squeue last said about the jobs still waited for (by their place in the sweep)."""

    def __init__(self, job_ids: Sequence[str], nums: Sequence[int]):
        self.job_ids, self.nums = job_ids, nums
        self.lost: dict[int, str] = {}  # job -> SLURM's account of it, once given up
        self.left_queue: dict[int, float] = {}  # job -> when squeue stopped listing it
        self.reasons: dict[int, str] = {}  # job -> its pending reason, as last logged
        self.start = self.next_ask = time.monotonic()
        self.silent = False  # squeue failed at the last ask

    def ask(self, waiting: set[int]) -> None:
        now = time.monotonic()
        if not waiting or now < self.next_ask:
            return
        self.next_ask = now + min(QUEUE_POLL_S[1], max(QUEUE_POLL_S[0], (now - self.start) / 20))
        listed = queued()
        if listed is None and not self.silent:  # slurmctld busy or down: the jobs may well still run
            log.warning("squeue does not answer; still waiting for %d job(s)", len(waiting))
        self.silent = listed is None
        if listed is None:
            return
        for i in waiting:
            if (entry := listed.get(self.job_ids[i])) is None:
                self.left_queue.setdefault(i, now)
            else:
                self.left_queue.pop(i, None)  # listed again (requeued)
                self._pending(i, entry.reason if entry.state == "PENDING" else "")

    def _pending(self, i: int, reason: str) -> None:
        if reason not in ("", "None") and self.reasons.get(i) != reason:
            log.info(
                "job #%d (SLURM %s) is pending: %s%s",
                self.nums[i],
                self.job_ids[i],
                reason,
                pending_note(reason),
            )
        self.reasons[i] = reason

    def give_up(self, waiting: set[int]) -> set[int]:
        """The jobs that left the queue RESULT_GRACE_S ago and still have no result: lost."""
        now = time.monotonic()
        gone = {i for i in waiting if now - self.left_queue.get(i, now) > RESULT_GRACE_S}
        for i in gone:
            self.lost[i] = final_state(self.job_ids[i])
            log.warning(
                "job #%d (SLURM %s) ended without a result: %s", self.nums[i], self.job_ids[i], self.lost[i]
            )
        return gone


def _exists(path: Path) -> bool:
    """A result file, looked for afresh (touching the folder's mode refreshes NFS's cached listing)."""
    with contextlib.suppress(OSError):
        path.parent.chmod(path.parent.stat().st_mode)
    return path.exists()
