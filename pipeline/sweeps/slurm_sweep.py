"""A sweep on SLURM, from the login node: submit every job as one job array, wait for each however it
ends, and hand Hydra a return for every job, so the sweep's pages (pipeline.sweeps.summary) are always
written.

A job that failed in Python has recorded itself (pipeline.sweeps.jobs). One that ended without a result
is recorded here, in the directory it has (or would have had: one killed before Hydra made it gets
the record Hydra would have written, so it is listed and can be resumed).
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, filter_overrides
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from pipeline.errors import one_line, report
from pipeline.sweeps.jobs import failure_line
from pipeline.sweeps.marks import FAILED, KILLED, TIMED_OUT, mark
from pipeline.sweeps.slurm_wait import wait_for

log = logging.getLogger(__name__)
# hydra-submitit-launcher's keys that submitit's AutoExecutor takes as they are; the others are SLURM's own
# and take a `slurm_` prefix (submitit's documented interface), except the two the executor is made with.
GENERIC = {
    "timeout_min",
    "mem_gb",
    "nodes",
    "tasks_per_node",
    "cpus_per_task",
    "gpus_per_node",
    "name",
    "stderr_to_stdout",
}
MADE_WITH = {"submitit_folder", "max_num_timeout"}


def launch(launcher, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
    """Submit the jobs, wait for all of them, and return one completed JobReturn per job."""
    config = launcher.config
    sweep_dir = Path(str(config.hydra.sweep.dir))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    if "mode" in config.hydra.sweep:
        os.chmod(sweep_dir, mode=int(str(config.hydra.sweep.mode), 8))
    log.info("Submitit 'slurm' sweep output dir : %s", sweep_dir)
    nums = [initial_job_idx + i for i in range(len(job_overrides))]
    for num, overrides in zip(nums, job_overrides):
        log.info("\t#%d : %s", num, " ".join(filter_overrides(overrides)))
    jobs = submit(launcher, job_overrides, nums)
    ends = wait_for([job.job_id for job in jobs], [job.paths.result_pickle for job in jobs], nums)
    return [
        _returned(launcher, job, list(overrides), num, end)
        for job, overrides, num, end in zip(jobs, job_overrides, nums, ends)
    ]


def submit(launcher, job_overrides: Sequence[Sequence[str]], nums: list[int]) -> list:
    """The jobs as one SLURM job array (submitit's Jobs). No SLURM here, or a request the cluster refuses
    outright (a GPU on a partition without any, more cores than a node has), is one line and exit 2."""
    import submitit  # here: Hydra loads the launcher plugin at every start

    if shutil.which("sbatch") is None:
        report(
            "hydra/launcher=slurm: no SLURM here (no sbatch); start the sweep on the cluster's login "
            "node, or try it on this machine with hydra/launcher=submitit_local"
        )
    params, state = launcher.params, Singleton.get_state()
    calls = [(list(o), "hydra.sweep.dir", n, f"job_id_for_{n}", state) for n, o in zip(nums, job_overrides)]
    try:
        executor = submitit.AutoExecutor(
            folder=params["submitit_folder"], cluster="slurm", slurm_max_num_timeout=params["max_num_timeout"]
        )
        executor.update_parameters(
            **{
                key if key in GENERIC else f"slurm_{key}": v
                for key, v in params.items()
                if key not in MADE_WITH
            }
        )
        return executor.map_array(launcher, *zip(*calls))
    except RuntimeError as error:  # submitit's FailedJobError: sbatch said no
        report(
            f"SLURM refused the sweep ({one_line(error, last=True)}); check hydra.launcher.partition, "
            "gpus_per_node, cpus_per_task and mem_gb against what `scontrol show partition` lists"
        )


def _returned(launcher, job, overrides: list[str], num: int, lost: str | None) -> JobReturn:
    """The job's own return, or (it failed outside our job code, or left no result) a completed one,
    after writing down why in its directory."""
    if lost is None:
        try:
            returned = job.results()[0]
        except Exception as error:  # submitit's FailedJobError: an exception outside pipeline's job code
            return _failed(launcher, overrides, num, _last_line(str(error)))
        if returned.status == JobStatus.FAILED:  # raised in Hydra's job code, before or after ours
            return _failed(launcher, overrides, num, failure_line(returned._return_value))
        return returned
    job_dir, sweep_config = job_dir_of(launcher, overrides, num)
    write_record(job_dir, sweep_config)
    if lost.startswith("TIMEOUT"):
        mark(job_dir, TIMED_OUT, f"SLURM ended it at its time limit before it could stop (SLURM says {lost})")
    else:
        mark(job_dir, KILLED, f"it ended outside Python, without a result (SLURM says {lost})")
    return _completed(overrides, job_dir)


def _failed(launcher, overrides: list[str], num: int, line: str) -> JobReturn:
    """Hydra would stop the sweep at a failed return, before its pages: mark the job FAILED instead."""
    job_dir, _ = job_dir_of(launcher, overrides, num)
    if not (job_dir / FAILED).is_file():
        mark(job_dir, FAILED, line)
    return _completed(overrides, job_dir)


def job_dir_of(launcher, overrides: list[str], num: int) -> tuple[Path, DictConfig]:
    """The directory Hydra gives this job (hydra.sweep.dir / hydra.sweep.subdir), and its config."""
    sweep_config = launcher.hydra_context.config_loader.load_sweep_config(launcher.config, overrides)
    with open_dict(sweep_config.hydra.job):
        sweep_config.hydra.job.num = num
    subdir = str(OmegaConf.select(sweep_config, "hydra.sweep.subdir"))
    return Path(str(sweep_config.hydra.sweep.dir)).absolute() / subdir, sweep_config


def write_record(job_dir: Path, sweep_config: DictConfig) -> None:
    """What Hydra writes into a job's .hydra/ before it runs, for a job killed before that: so it is
    listed with its overrides, and `resume=` can start it. Never over Hydra's own record."""
    record = job_dir / ".hydra"
    if (record / "overrides.yaml").is_file():
        return
    record.mkdir(parents=True, exist_ok=True)
    task = copy.deepcopy(sweep_config)
    with read_write(task), open_dict(task):
        del task["hydra"]
    OmegaConf.save(task, record / "config.yaml")
    OmegaConf.save(OmegaConf.create({"hydra": sweep_config.hydra}), record / "hydra.yaml")
    OmegaConf.save(sweep_config.hydra.overrides.task, record / "overrides.yaml")


def _completed(overrides: list[str], job_dir: Path) -> JobReturn:
    returned = JobReturn(overrides=overrides, working_dir=str(job_dir), status=JobStatus.COMPLETED)
    returned.return_value = None
    return returned


def _last_line(message: str) -> str:
    """The exception line of the traceback in submitit's FailedJobError (between two rules of dashes)."""
    parts = message.split("-" * 22)
    lines = [line for line in (parts[1] if len(parts) > 2 else message).splitlines() if line.strip()]
    return one_line(lines[-1] if lines else message)
