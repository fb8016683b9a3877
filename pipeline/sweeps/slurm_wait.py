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
    lost: dict[int, str] = {}
    waiting = set(range(len(job_ids)))
    left_queue: dict[int, float] = {}  # job -> when squeue stopped listing it
    reasons: dict[int, str] = {}
    start = next_ask = time.monotonic()
    while waiting:
        waiting -= {i for i in waiting if _exists(results[i])}
        now = time.monotonic()
        if waiting and now >= next_ask:
            listed = queued()
            if listed is not None:
                for i in waiting:
                    if (entry := listed.get(job_ids[i])) is None:
                        left_queue.setdefault(i, now)
                        continue
                    left_queue.pop(i, None)  # listed again (requeued)
                    reason = entry.reason if entry.state == "PENDING" else ""
                    if reason not in ("", "None") and reasons.get(i) != reason:
                        log.info(
                            "job #%d (SLURM %s) is pending: %s%s",
                            nums[i],
                            job_ids[i],
                            reason,
                            pending_note(reason),
                        )
                    reasons[i] = reason
            next_ask = now + min(QUEUE_POLL_S[1], max(QUEUE_POLL_S[0], (now - start) / 20))
        for i in [i for i in waiting if now - left_queue.get(i, now) > RESULT_GRACE_S]:
            lost[i] = final_state(job_ids[i])
            log.warning("job #%d (SLURM %s) ended without a result: %s", nums[i], job_ids[i], lost[i])
            waiting.discard(i)
        if waiting:
            time.sleep(POLL_S)
    return [lost.get(i) for i in range(len(job_ids))]


def _exists(path: Path) -> bool:
    """A result file, looked for afresh (touching the folder's mode refreshes NFS's cached listing)."""
    with contextlib.suppress(OSError):
        path.parent.chmod(path.parent.stat().st_mode)
    return path.exists()
