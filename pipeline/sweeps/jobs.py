"""One job of a sweep: how a failing job records itself, and how a finished job is read back from disk.

In a multirun Hydra runs every job through one call (the default launcher: one process; joblib or
submitit: several), so `sys.exit` in a job would end the whole sweep. A failing job instead logs its
error into its own log, leaves a FAILED file holding the one-line reason, and returns; the sweep's
summary (pipeline.sweeps.summary) finds it there, whichever process or machine ran it. The other ways a
job ends are marked the same way (pipeline.sweeps.marks), some by the SLURM launcher.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import OmegaConf

from pipeline.cli.quoting import resume_command
from pipeline.dreamer.cuda_env import prepare_cuda_environment
from pipeline.errors import UserError, one_line, report
from pipeline.sweeps.gpu_health import note_failure
from pipeline.sweeps.marks import (
    FAILED,
    INTERRUPTED,
    KILLED,
    NOT_RUN,
    TIMED_OUT,
    clear_marks,
    mark,
    read_mark,
    requeues,
)

log = logging.getLogger(__name__)

_stopped: list[int] = []  # this process's sweep was interrupted, with this exit code (default launcher)
OUTPUT_SUFFIXES = (".mp4", ".jpg", ".png")  # a job's results at the top of its directory
NOT_OUTPUTS = ("preview.jpg",)  # the last frame again, refreshed while rendering


def record_failure(out_dir: Path, error: BaseException) -> bool:
    """In a multirun: log `error` into the job's log (with the traceback unless it is a UserError), write
    out_dir/FAILED and return True, so the caller returns and the next job runs. Otherwise (a single
    run) do nothing and return False: the caller reports the error as it always has."""
    if not _in_multirun():
        return False
    line = failure_line(error)
    note_failure(error, line)  # a broken CUDA context refuses the later GPU jobs of this process
    if isinstance(error, UserError):
        log.error("job failed: %s", line)
    else:
        log.error("job failed: %s", line, exc_info=error)
    mark(out_dir, FAILED, line)
    return True


def _in_multirun() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def record_interrupt(out_dir: Path, exit_code: int, complete: bool = False) -> bool:
    """In a multirun: mark the job INTERRUPTED (not failed: what it did is encoded and resumable; not if
    it was `complete`, asked while its last frames were encoded) and stop the sweep, so the jobs after it
    only mark themselves NOT_RUN. Returns False in a single run."""
    if not _in_multirun():
        return False
    if complete:
        clear_marks(out_dir)  # it finished all the same
    else:
        mark(out_dir, INTERRUPTED, str(exit_code))
    _stopped.append(exit_code)
    return True


def stop_exit_code() -> int:
    """The exit code of the signal that stopped this process's sweep (130 if it was not this process)."""
    return _stopped[0] if _stopped else 130


def skip_after_stop(out_dir: Path) -> bool:
    """A job of a sweep that was interrupted earlier in this process: mark it NOT_RUN and skip it."""
    if not (_stopped and _in_multirun()):
        return False
    mark(out_dir, NOT_RUN, "the sweep was interrupted before this job started")
    return True


def failure_line(error: BaseException) -> str:
    """A mistake's own message; any other exception named by its type, as a traceback would."""
    if isinstance(error, UserError) or not str(error).strip():
        return one_line(error)
    return f"{type(error).__name__}: {one_line(error)}"


def run_job(work: Callable[[], None], out_dir: Path, log: logging.Logger) -> None:
    """Run one job of a Hydra command (render, stills). In a sweep a failing job is recorded and the
    next one runs; alone, a mistake ends the command with one line (errors.report) and anything else
    with its traceback, as Hydra shows it. A job that finishes drops the mark of an earlier attempt (a
    resume of a failed, interrupted or killed job). What CUDA reads once is set first, before any job of
    this process touches the GPU (pipeline/dreamer/cuda_env.py)."""
    prepare_cuda_environment()
    stops = len(_stopped)
    try:
        work()
    except UserError as error:
        if not record_failure(out_dir, error):
            report(error, log)
    except Exception as error:
        if not record_failure(out_dir, error):
            raise
    else:
        if len(_stopped) == stops:  # not stopped half-way: it finished
            clear_marks(out_dir)


@dataclass
class Job:
    """A job directory as the sweep left it."""

    num: int  # hydra.job.num: the job's place in the sweep
    dir: Path
    overrides: list[str]  # the command-line overrides that made this job (.hydra/overrides.yaml)
    log: Path  # the job's own log, <hydra.job.name>.log
    outputs: list[Path]  # its results: the video and contact sheet, or the stills and their grid
    picture: Path | None  # what stands for the job on the sweep's contact sheet
    error: str | None  # why it failed, in one line; None if it finished (or was interrupted / not run)
    stopped: str | None = None  # "interrupted" (exit code in `exit_code`), "not run", "killed", "timed out"
    exit_code: int = 0  # of an interrupted job: 130 (Ctrl-C), 143 (SIGTERM), 140 (SLURM's SIGUSR2)
    reason: str | None = None  # of a killed or timed-out job: what SLURM or the launcher said, one line
    requeues: int = 0  # times it was requeued at its time limit (and continued)
    resume: str | None = None  # the command that continues an unfinished render, quoted to paste


STOPPED = {INTERRUPTED: "interrupted", NOT_RUN: "not run", KILLED: "killed", TIMED_OUT: "timed out"}
RESUMABLE = ("interrupted", "killed", "timed out")


def find_jobs(sweep_dir: Path) -> list[Job]:
    """Every job under sweep_dir (any `hydra.sweep.subdir` layout), in job order."""
    records = sorted(sweep_dir.glob("**/.hydra/overrides.yaml"))
    return sorted((read_job(record.parent.parent) for record in records), key=lambda job: job.num)


def read_job(job_dir: Path) -> Job:
    overrides = [str(item) for item in OmegaConf.load(job_dir / ".hydra/overrides.yaml")]
    hydra_record = job_dir / ".hydra/hydra.yaml"
    if hydra_record.is_file():
        hydra_cfg = OmegaConf.load(hydra_record)
        num = OmegaConf.select(hydra_cfg, "hydra.job.num", default=0)
        name = OmegaConf.select(hydra_cfg, "hydra.job.name", default="job")
    else:  # deleted: the number leads the folder's name (hydra.sweep.subdir), the log is the job's name
        number = re.match(r"\d+", job_dir.name)
        num = int(number.group()) if number else 0
        name = next((log.stem for log in sorted(job_dir.glob("*.log"))), "job")
    outputs = sorted(
        (p for p in job_dir.iterdir() if _is_output(p)),
        key=lambda p: (OUTPUT_SUFFIXES.index(p.suffix), p.name),
    )
    error, stopped, code, reason = _ending(job_dir)
    if error is None and stopped is None and not outputs:
        error = f"no output: the job stopped without a result (see {name}.log)"
    resume = None
    if stopped in RESUMABLE and name == "render" and (job_dir / ".hydra/config.yaml").is_file():
        resume = resume_command(job_dir)
    log_path = job_dir / f"{name}.log"
    picture = _picture(job_dir)
    return Job(
        int(num),
        job_dir,
        overrides,
        log_path,
        outputs,
        picture,
        error,
        stopped,
        code,
        reason,
        requeues(job_dir),
        resume,
    )


def _ending(job_dir: Path) -> tuple[str | None, str | None, int, str | None]:
    """(error, stopped, exit code, reason) from the job's mark; all empty if it has none."""
    failed = read_mark(job_dir, FAILED)
    if failed is not None:
        return failed or "failed", None, 0, None
    for marked, stopped in STOPPED.items():
        text = read_mark(job_dir, marked)
        if text is not None and marked == INTERRUPTED:
            return None, stopped, int(text or 130), None
        if text is not None:
            return None, stopped, 0, text
    return None, None, 0, None


def _is_output(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix in OUTPUT_SUFFIXES
        and path.name not in NOT_OUTPUTS
        and not path.name.startswith(".")
        and ".partial" not in path.name
    )


def _picture(job_dir: Path) -> Path | None:
    """The stills' grid, else the video's middle frame, else nothing (a job that failed early)."""
    if (job_dir / "grid.jpg").is_file():
        return job_dir / "grid.jpg"
    frames = sorted((job_dir / "frames").glob("[0-9]*.png"), key=lambda p: int(p.stem))
    return frames[len(frames) // 2] if frames else None
