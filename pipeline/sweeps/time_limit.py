"""Inside a SLURM job: the time limit continues the render in a new allocation instead of failing it.

SLURM warns a job with SIGUSR2 `signal_delay_s` before its limit. The render treats it as a stop request
(pipeline.run.interrupts: it finishes its frame, encodes what is done, saves its state and marks itself
INTERRUPTED with exit code 140). Then submitit's own handler, called here once the render has stopped,
checkpoints the job as a resume of the same directory (the launcher's `checkpoint()`), counts the
time-outs against `max_num_timeout` and requeues it; past that limit the job is marked TIMED_OUT instead,
with its MP4 of the frames done and its resume command. submitit's handler is not left to the signal
itself: it would raise, or exit, in the middle of a frame.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from pathlib import Path

from pipeline.cli.quoting import hydra_value
from pipeline.sweeps.marks import INTERRUPTED, TIMED_OUT, mark, note_requeue, read_mark, requeues

log = logging.getLogger(__name__)
WARNING = signal.SIGUSR2  # submitit's default (SUBMITIT_PREEMPT_SIGNAL); sbatch --signal=USR2@delay


class TimeLimit:
    """While a job runs: keep submitit's SIGUSR2 handler aside; a warning that comes while no render
    listens for it (before it starts, after it ends) is only logged: the job goes on."""

    def __enter__(self) -> TimeLimit:
        self.submitit_handler = signal.getsignal(WARNING)
        signal.signal(WARNING, self._note)
        return self

    def _note(self, signum, frame) -> None:
        log.warning("SIGUSR2: SLURM's time limit is near; no render is running to stop")

    def __exit__(self, *exc) -> None:
        signal.signal(WARNING, self.submitit_handler)

    def continue_later(self, job_dir: Path, max_requeues: int) -> None:
        """If the render in job_dir stopped for the warning, requeue the job (this process then exits)
        or, past `max_requeues`, mark it TIMED_OUT. Does nothing for a render that finished or failed."""
        if read_mark(job_dir, INTERRUPTED) != str(128 + WARNING) or not callable(self.submitit_handler):
            return
        from submitit.core.utils import UncompletedJobError

        frames = len(list((job_dir / "frames").glob("*.png")))
        try:
            self.submitit_handler(WARNING, None)  # checkpoint(), count, `scontrol requeue`, sys.exit
        except SystemExit:
            note_requeue(job_dir, f"{time.strftime('%Y-%m-%d %H:%M:%S')} time limit after {frames} frames")
            raise
        except subprocess.CalledProcessError as error:  # scontrol requeue refused (JobRequeue=0, a QOS)
            why = f"SLURM refused to requeue it ({' '.join(error.cmd)} exited {error.returncode})"
        except UncompletedJobError as error:
            times = requeues(job_dir) + 1
            why = (
                f"{times} times: hydra.launcher.max_num_timeout={max_requeues} requeues are used up ({error})"
            )
        mark(job_dir, TIMED_OUT, f"reached its time limit after {frames} frames; {why}")


def resume_overrides(overrides: list[str], job_dir: Path) -> list[str]:
    """The job's overrides, continuing job_dir: `resume` is left out of the job folder's name, so Hydra
    gives the requeued job the same directory. Quoted for Hydra's grammar (folder names hold `=`, `,`)."""
    kept = [item for item in overrides if item.partition("=")[0].lstrip("+~") != "resume"]
    return [*kept, f"resume={hydra_value(str(job_dir.absolute()))}"]
