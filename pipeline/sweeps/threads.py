"""CPU threads per job: jobs running side by side on one machine each take their share of its cores.

torch and OpenCV each start one thread per core. Two parallel jobs doing that run twice as many busy
threads as there are cores, and they spend the difference waiting on each other. The `threads` setting
(0: automatic; checked by the config's schema) is applied by a Hydra callback as each job starts, in the
process that runs the job.
"""

from __future__ import annotations

import logging
import os

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)


def cpu_cores() -> int:
    """The cores this process may use (a SLURM allocation or `taskset` can be fewer than the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parallel_jobs(launcher: DictConfig | None) -> int:
    """How many jobs share this machine's cores at once: joblib's `n_jobs` (-1: one per core, -2: all
    but one, as joblib counts), else 1 (the default launcher runs one job at a time)."""
    n_jobs = OmegaConf.select(launcher, "n_jobs") if launcher is not None else None
    if not isinstance(n_jobs, int) or n_jobs == 0:
        return 1
    cores = cpu_cores()
    return max(1, min(cores, n_jobs if n_jobs > 0 else cores + 1 + n_jobs))


def job_threads(threads: int, launcher: DictConfig | None) -> int | None:
    """threads > 0: exactly that many. 0: a submitit job's `cpus_per_task`, else the cores divided among
    joblib's parallel jobs, else None: a job running alone keeps torch's and OpenCV's own defaults
    (every core it may use)."""
    if threads > 0:
        return threads
    cpus = OmegaConf.select(launcher, "cpus_per_task") if launcher is not None else None
    if isinstance(cpus, int) and cpus > 0:
        return cpus
    jobs = parallel_jobs(launcher)
    return max(1, cpu_cores() // jobs) if jobs > 1 else None


class JobThreads(Callback):
    """Sets torch's and OpenCV's thread counts from `threads` when a job starts (runs in the job's own
    process: a joblib worker, a submitit job or the main process)."""

    def on_job_start(self, config: DictConfig, **kwargs) -> None:
        threads = OmegaConf.select(config, "threads", default=0)  # checked by the config's schema
        count = job_threads(
            threads if isinstance(threads, int) else 0, OmegaConf.select(config, "hydra.launcher")
        )
        if count is None:
            return
        import cv2  # here, not at the top: Hydra instantiates its callbacks before --help and every typo
        import torch

        torch.set_num_threads(count)
        cv2.setNumThreads(count)
        log.info("%d CPU threads for torch and OpenCV in this job (threads=%s)", count, threads)
