"""Sweeps on a real SLURM (tests/sweeps/slurm_cluster.py): every way a job ends is recorded and the sweep's
pages are always written. Finished, failed in Python, scancelled (interrupted, resumed byte for byte),
kill -9'ed from outside (killed), warned of its time limit (requeued, finishing byte for byte; past the
requeue limit: timed out), pending for a reason SLURM gives, and all of it without accounting too."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.output.frames import save_png
from pipeline.output.video import probe
from pipeline.sweeps.jobs import find_jobs
from pipeline.sweeps.marks import INTERRUPTED, KILLED, REQUEUES, TIMED_OUT
from tests.sweeps.slurm_cluster import Cluster, require_slurm, restart_with, start_cluster
from tests.test_cli import ROOT

pytestmark = pytest.mark.slow
FRAMES = 8
SETTINGS = [
    "model.weights=random",
    "width=64",
    "height=48",
    "dream.octaves=2",
    "dream.steps=3",
    "dream.jitter=4",
    "video.preset=ultrafast",
    "precision=fp32",
    "threads=1",
    "cadence=1",
    "layer_schedule=single",
    f"frames={FRAMES}",
]
SWEEP_TIMEOUT = 240  # seconds: a hard limit on each sweep command


@pytest.fixture(scope="session")
def cluster():
    require_slurm()
    started = start_cluster()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(autouse=True)
def _no_sweep_left_running():
    """A test that failed half-way leaves no sweep behind (it would wait on daemons that are gone)."""
    yield
    for process in Sweep.started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    Sweep.started.clear()


class Sweep:
    """`python -m pipeline.render -m ...` on the cluster, in its own process group, output to files."""

    started: list[subprocess.Popen] = []

    def __init__(self, cluster: Cluster, sweep_dir: Path, *args: str, conf: Path | None = None):
        self.cluster, self.dir = cluster, sweep_dir
        env = {**cluster.env, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        if conf is not None:
            env["SLURM_CONF"] = str(conf)
        self.out, self.err = sweep_dir.with_suffix(".out"), sweep_dir.with_suffix(".err")
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pipeline.render",
                    "-m",
                    *SETTINGS,
                    *args,
                    f"hydra.sweep.dir={sweep_dir}",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        Sweep.started.append(self.process)
        self.deadline = time.monotonic() + SWEEP_TIMEOUT

    def until(self, ready, what: str) -> None:
        while not ready():
            assert self.process.poll() is None, f"the sweep ended before {what}:\n{self.text()}"
            assert time.monotonic() < self.deadline, f"no {what} after {SWEEP_TIMEOUT} s:\n{self.text()}"
            time.sleep(0.05)

    def task(self, num: int) -> str:
        """SLURM's id of job `num`: a task of the sweep's job array ("12_3"), or "12" if it is alone."""
        folders = self.dir / ".submitit"
        self.until(lambda: any(p.name.isdigit() for p in folders.glob("*")), "its submission")
        (job,) = [p.name for p in folders.glob("*") if p.name.isdigit()]
        return f"{job}_{num}" if (folders / f"{job}_{num}").is_dir() else job

    def job_dir(self, num: int) -> Path:
        found = []
        self.until(lambda: found.extend(self.dir.glob(f"{num}_*")) or found, f"job #{num}'s directory")
        return found[0]

    def frames(self, num: int) -> int:
        return len(list((self.job_dir(num) / "frames").glob("*.png")))

    def wait_frames(self, num: int, count: int) -> None:
        self.until(lambda: self.frames(num) >= count, f"{count} frames of job #{num}")

    def finish(self) -> int:
        try:
            return self.process.wait(timeout=max(1, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            for job in self.cluster.jobs():
                self.cluster.command("scancel", job, check=False)
            raise AssertionError(f"the sweep did not end within {SWEEP_TIMEOUT} s:\n{self.text()}") from None

    def text(self) -> str:
        return self.out.read_text() + self.err.read_text()


def job_process(task: str) -> int:
    """The pid of the Python process running SLURM task `task` ("12_3"): submitit's, found by its
    command line and environment (a helper it starts carries the same environment)."""
    array, _, index = task.partition("_")
    wanted = {f"SLURM_ARRAY_JOB_ID={array}".encode(), f"SLURM_ARRAY_TASK_ID={index}".encode()}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            submitit = b"submitit.core._submit" in (proc / "cmdline").read_bytes()
            python = os.readlink(proc / "exe").rsplit("/", 1)[-1].startswith("python")
            if submitit and python and wanted <= set((proc / "environ").read_bytes().split(b"\0")):
                return int(proc.name)
        except OSError:
            continue
    raise AssertionError(f"no Python process for SLURM task {task}")


def mp4_frames(job_dir: Path) -> int:
    return probe(job_dir / "dream.mp4")["frames"]


@pytest.fixture(scope="session")
def finished(cluster, tmp_path_factory) -> Path:
    """A 2x2 sweep on CPU nodes, one core per job: every job finishes. Its MP4s are the uninterrupted
    renders the interrupted jobs below must match byte for byte."""
    sweep = Sweep(
        cluster,
        tmp_path_factory.mktemp("slurm") / "finished",
        "seed=1,2",
        "layer_schedule.layer=conv1_1,conv2_1",
        "hydra/launcher=slurm",
        "hydra.launcher.cpus_per_task=1",
    )
    assert sweep.finish() == 0, sweep.text()
    return sweep.dir


def reference(finished: Path, seed: int) -> bytes:
    (job,) = [
        job
        for job in find_jobs(finished)
        if {f"seed={seed}", "layer_schedule.layer=conv2_1"} <= set(job.overrides)
    ]
    return (job.dir / "dream.mp4").read_bytes()


def test_a_2x2_sweep_on_cpu_nodes_writes_four_videos_and_both_pages(finished):
    jobs = find_jobs(finished)
    assert len(jobs) == 4 and all(not job.error and not job.stopped for job in jobs)
    assert all(mp4_frames(job.dir) == FRAMES for job in jobs)
    assert all((finished / name).is_file() for name in ("index.md", "index.html", "contact_sheet.jpg"))
    (script,) = finished.glob(".submitit/*/*_submission.sh")
    assert "--gpus-per-node" not in script.read_text()  # hydra/launcher=slurm asks for no GPU
    assert "--cpus-per-task=1" in script.read_text()  # one override away


def test_scancel_interrupts_and_the_time_limit_requeues_and_both_match_an_uninterrupted_render(
    cluster, finished, tmp_path
):
    """Job 0 is scancelled (SIGTERM), job 1 gets SLURM's time-limit warning once (requeued once, then
    it finishes), job 2 twice with one requeue allowed (timed out). Two run at once: job 2 waits."""
    sweep = Sweep(
        cluster,
        tmp_path / "sweep",
        "seed=1,2,3",
        "layer_schedule.layer=conv2_1",
        "hydra/launcher=slurm",
        "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.timeout_min=2",
        "hydra.launcher.signal_delay_s=10",
        "hydra.launcher.max_num_timeout=1",
    )
    warn = ["scancel", "--signal=USR2"]  # what SLURM sends at --signal=USR2@delay: every step's tasks
    sweep.wait_frames(0, 1)
    cluster.command("scancel", sweep.task(0))
    sweep.wait_frames(1, 1)
    cluster.command(*warn, sweep.task(1))
    sweep.wait_frames(2, 1)
    cluster.command(*warn, sweep.task(2))
    sweep.until(lambda: (sweep.job_dir(2) / REQUEUES).is_file(), "job #2's requeue")
    again = sweep.frames(2) + 1
    sweep.wait_frames(2, again)  # dreaming in its second allocation
    cluster.command(*warn, sweep.task(2))
    code = sweep.finish()
    assert code == 143, sweep.text()  # the scancelled job's SIGTERM: the sweep says it was interrupted
    assert "is pending: Resources" in sweep.text()  # job 2 waited for a free core, and said so

    jobs = find_jobs(sweep.dir)
    interrupted, requeued, timed_out = jobs
    assert interrupted.stopped == "interrupted" and interrupted.exit_code == 143
    assert 1 <= mp4_frames(interrupted.dir) == len(list((interrupted.dir / "frames").glob("*.png"))) < FRAMES
    assert interrupted.resume in (sweep.dir / "index.md").read_text()
    assert 'resume="' in interrupted.resume  # the folder's `=` and `,` quoted for Hydra's parser
    result = subprocess.run(
        ["bash", "-c", interrupted.resume],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SWEEP_TIMEOUT,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    assert (interrupted.dir / "dream.mp4").read_bytes() == reference(finished, 1)
    assert not (interrupted.dir / INTERRUPTED).exists()  # the finished resume dropped the old mark

    assert requeued.error is None and requeued.stopped is None and requeued.requeues == 1
    assert (requeued.dir / "dream.mp4").read_bytes() == reference(finished, 2)
    assert "requeued 1x" in (sweep.dir / "index.md").read_text()

    assert timed_out.stopped == "timed out" and timed_out.requeues == 1 and timed_out.resume
    assert "max_num_timeout=1" in (timed_out.dir / TIMED_OUT).read_text()
    assert mp4_frames(timed_out.dir) == len(list((timed_out.dir / "frames").glob("*.png"))) < FRAMES


def test_a_failed_and_a_killed_job_are_listed_and_the_pages_are_still_written(cluster, tmp_path):
    """On the GPU preset as shipped (the node's GPU is a fake GRES; 2 CPUs and 8 GB fit this small node):
    a missing input fails in Python with its reason, a job kill -9'ed from outside Python leaves no
    result and is listed killed, the third finishes."""
    image = np.random.default_rng(0).random((48, 64, 3)).astype(np.float32)
    for name in ("a.png", "b.png"):
        save_png(tmp_path / name, image)
    missing = tmp_path / "missing.png"
    sweep = Sweep(
        cluster,
        tmp_path / "sweep",
        "layer_schedule.layer=conv1_1",
        f"input={tmp_path / 'a.png'},{tmp_path / 'b.png'},{missing}",
        "hydra/launcher=slurm_gpu",
        "hydra.sweep.subdir=${hydra.job.num}_input",
    )  # paths in a folder name would nest it; fmt: skip
    sweep.wait_frames(1, 1)
    os.kill(job_process(sweep.task(1)), signal.SIGKILL)
    assert sweep.finish() == 1, sweep.text()
    ok, killed, failed = find_jobs(sweep.dir)
    assert ok.error is None and ok.stopped is None and mp4_frames(ok.dir) == FRAMES
    assert killed.stopped == "killed" and "FAILED" in killed.reason and killed.resume
    assert failed.error and "missing.png" in failed.error
    index = (sweep.dir / "index.md").read_text()
    assert "1 failed, 1 killed" in index and "**killed**" in index and failed.error in index
    assert all((sweep.dir / name).is_file() for name in ("index.html", "contact_sheet.jpg"))
    (script,) = sweep.dir.glob(".submitit/*/*_submission.sh")
    assert "--gpus-per-node=1" in script.read_text()


def test_without_accounting_a_job_cancelled_while_pending_ends_the_sweep_and_its_reason_was_said(
    cluster, tmp_path
):
    """sacct fails without slurmdbd (here: a client config without accounting); squeue still tells that
    the job has gone. Asking for more cores than the node has keeps it pending: said on the console."""
    conf = tmp_path / "slurm.conf"
    conf.write_text(re.sub(r"(?m)^AccountingStorage\w*=.*\n", "", cluster.conf.read_text()))
    for extra in ("cgroup.conf", "gres.conf"):
        (tmp_path / extra).write_bytes((cluster.conf.parent / extra).read_bytes())
    sweep = Sweep(
        cluster,
        tmp_path / "sweep",
        "seed=1",
        "layer_schedule.layer=conv1_1",
        "hydra/launcher=slurm",
        "hydra.launcher.cpus_per_task=64",
        conf=conf,
    )
    sweep.until(lambda: "is pending: PartitionConfig" in sweep.text(), "the pending reason on the console")
    assert "hydra.launcher.cpus_per_task" in sweep.text()  # and what to change
    cluster.command("scancel", sweep.task(0))
    assert sweep.finish() == 1, sweep.text()
    (job,) = find_jobs(sweep.dir)  # it never started: the launcher wrote its record, to list and resume it
    assert job.stopped == "killed" and "CANCELLED" in job.reason and job.resume
    assert (job.dir / KILLED).is_file() and "Bypassing sacct error" not in sweep.text()


def test_a_request_the_cluster_refuses_outright_is_one_line(cluster, tmp_path):
    """Two GPUs per job on a node with one: sbatch refuses at once, and the sweep says so in one line."""
    sweep = Sweep(
        cluster, tmp_path / "sweep", "seed=1", "hydra/launcher=slurm_gpu", "hydra.launcher.gpus_per_node=2"
    )
    assert sweep.finish() == 2, sweep.text()
    assert "Traceback" not in sweep.text()
    last = sweep.err.read_text().strip().splitlines()[-1]
    assert last.startswith("error: SLURM refused the sweep (") and "gpus_per_node" in last


def test_under_linuxproc_scancel_and_the_warning_reach_ffmpeg_too_and_the_encoder_survives(cluster, tmp_path):
    """proctrack/linuxproc signals every process of a job (proctrack/cgroup only the task, the process
    srun started): scancel's SIGTERM and the time limit's SIGUSR2 reach ffmpeg, in its own session or
    not. It starts with them blocked, so both renders still encode every frame they did."""
    started_with = cluster.proctrack
    restart_with(cluster, "proctrack/linuxproc")
    try:
        assert "proctrack/linuxproc" in cluster.command("scontrol", "show", "config")
        sweep = Sweep(
            cluster,
            tmp_path / "sweep",
            "seed=1,2",
            "layer_schedule.layer=conv2_1",
            "hydra/launcher=slurm",
            "hydra.launcher.cpus_per_task=1",
            "hydra.launcher.timeout_min=2",
            "hydra.launcher.signal_delay_s=10",
            "hydra.launcher.max_num_timeout=0",
        )
        sweep.wait_frames(0, 1)
        cluster.command("scancel", sweep.task(0))
        sweep.wait_frames(1, 1)
        cluster.command("scancel", "--signal=USR2", sweep.task(1))
        assert sweep.finish() == 143, sweep.text()
    finally:
        restart_with(cluster, started_with)
    scancelled, warned = find_jobs(sweep.dir)
    assert (scancelled.stopped, warned.stopped) == ("interrupted", "timed out")  # no requeue allowed here
    for job in (scancelled, warned):
        assert "ffmpeg could not" not in job.log.read_text()
        assert 1 <= mp4_frames(job.dir) == len(list((job.dir / "frames").glob("*.png"))) < FRAMES
