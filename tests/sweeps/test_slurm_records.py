"""The SLURM sweep's bookkeeping without a cluster: how each attempt's end is marked and read back, the
resume a requeue continues with, the time-limit hand-off to submitit, and the wait that never gives up
at a missing result (the real cluster: tests/sweeps/test_slurm.py)."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest
from hydra.types import RunMode
from omegaconf import OmegaConf

from pipeline.errors import UserError
from pipeline.sweeps import jobs, slurm_queue, slurm_wait
from pipeline.sweeps.marks import FAILED, INTERRUPTED, KILLED, REQUEUES, TIMED_OUT, mark
from pipeline.sweeps.slurm_sweep import _last_line
from pipeline.sweeps.summary import write_index
from pipeline.sweeps.time_limit import TimeLimit, resume_overrides

AWKWARD = "0_layer_schedule.layer=conv2_1,seed=1"  # a sweep job's folder: `=` and `,`


@pytest.fixture
def multirun(monkeypatch):
    hydra_config = SimpleNamespace(
        initialized=lambda: True, get=lambda: SimpleNamespace(mode=RunMode.MULTIRUN)
    )
    monkeypatch.setattr(jobs, "HydraConfig", hydra_config)
    monkeypatch.setattr(jobs, "_stopped", [])


def _job_dir(tmp_path: Path, name: str = AWKWARD) -> Path:
    job_dir = tmp_path / name
    (job_dir / ".hydra").mkdir(parents=True)
    OmegaConf.save(OmegaConf.create(["seed=1"]), job_dir / ".hydra/overrides.yaml")
    OmegaConf.save(
        OmegaConf.create({"hydra": {"job": {"num": 0, "name": "render"}}}), job_dir / ".hydra/hydra.yaml"
    )
    (job_dir / ".hydra/config.yaml").write_text("seed: 1\n")
    return job_dir


def test_an_attempt_that_finishes_drops_the_mark_of_the_one_before(tmp_path, multirun):
    job_dir = _job_dir(tmp_path)
    jobs.run_job(lambda: (_ for _ in ()).throw(UserError("input: no file")), job_dir, jobs.log)
    assert (job_dir / FAILED).is_file()
    jobs.run_job(lambda: (job_dir / "dream.mp4").write_bytes(b""), job_dir, jobs.log)  # the resume, once the
    assert not (job_dir / FAILED).exists() and jobs.read_job(job_dir).error is None  # input is there


def test_a_stopped_attempt_keeps_one_mark_its_own(tmp_path, multirun):
    job_dir = _job_dir(tmp_path)
    mark(job_dir, FAILED, "an earlier attempt")
    jobs.run_job(lambda: jobs.record_interrupt(job_dir, 140), job_dir, jobs.log)
    assert (job_dir / INTERRUPTED).read_text() == "140\n" and not (job_dir / FAILED).exists()


def test_killed_timed_out_and_requeued_jobs_read_back_with_a_quoted_resume(tmp_path):
    job_dir = _job_dir(tmp_path)
    mark(job_dir, KILLED, "it ended outside Python, without a result (SLURM: FAILED, exit code 9:0)")
    (job_dir / REQUEUES).write_text("one\ntwo\n")
    job = jobs.read_job(job_dir)
    assert (job.stopped, job.requeues, job.error) == ("killed", 2, None)
    assert job.resume == f"python -m pipeline.render 'resume=\"{job_dir}\"'"  # as render.py prints it
    mark(job_dir, TIMED_OUT, "reached its time limit 4 times")
    job = jobs.read_job(job_dir)
    assert job.stopped == "timed out" and job.reason == "reached its time limit 4 times"
    index = write_index([job], [], tmp_path).read_text()
    assert "**timed out**: reached its time limit 4 times (requeued 2x" in index
    assert "## To continue" in index and job.resume.replace("|", "\\|") in index


def test_a_requeue_resumes_the_same_directory_quoted_for_hydra(tmp_path):
    job_dir = tmp_path / AWKWARD
    first = resume_overrides(["seed=1"], job_dir)
    assert first == ["seed=1", f'resume="{job_dir}"']
    assert resume_overrides(first, job_dir) == first  # a second requeue: still one resume


class _Submitit:
    """submitit's SIGUSR2 handler, as TimeLimit calls it once the render has stopped."""

    def __init__(self, outcome: BaseException):
        self.outcome, self.calls = outcome, 0

    def __call__(self, signum, frame):
        self.calls += 1
        raise self.outcome


@pytest.mark.parametrize("code, called", [(140, 1), (143, 0)])  # SIGUSR2 requeues; a scancel does not
def test_the_time_limit_requeues_through_submitit_and_notes_it(tmp_path, code, called):
    job_dir = _job_dir(tmp_path)
    mark(job_dir, INTERRUPTED, str(code))
    handler = _Submitit(SystemExit(-1))
    limit = TimeLimit()
    limit.submitit_handler = handler
    if called:
        with pytest.raises(SystemExit):
            limit.continue_later(job_dir, 3)
    else:
        limit.continue_later(job_dir, 3)
    assert handler.calls == called and (job_dir / REQUEUES).is_file() == bool(called)


def test_past_the_requeue_limit_the_job_is_timed_out_with_its_frames(tmp_path):
    from submitit.core.utils import UncompletedJobError

    job_dir = _job_dir(tmp_path)
    mark(job_dir, INTERRUPTED, str(128 + signal.SIGUSR2))
    limit = TimeLimit()
    limit.submitit_handler = _Submitit(UncompletedJobError("timed-out too many times"))
    limit.continue_later(job_dir, 0)
    assert "max_num_timeout=0" in (job_dir / TIMED_OUT).read_text() and not (job_dir / INTERRUPTED).exists()


def test_outside_a_render_the_warning_is_only_logged(caplog):
    before = signal.getsignal(signal.SIGUSR2)
    with TimeLimit():
        signal.raise_signal(signal.SIGUSR2)
    assert "time limit is near" in caplog.text and signal.getsignal(signal.SIGUSR2) == before


def test_the_wait_lists_a_job_that_left_the_queue_without_a_result(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    done, gone, pending = tmp_path / "done.pkl", tmp_path / "gone.pkl", tmp_path / "late.pkl"
    done.write_bytes(b"")
    answers = iter(
        [
            {
                "1_1": slurm_queue.Queued("PENDING", "PartitionConfig"),
                "1_2": slurm_queue.Queued("RUNNING", "None"),
            }
        ]
    )
    monkeypatch.setattr(slurm_wait, "queued", lambda: next(answers, {}))
    monkeypatch.setattr(slurm_wait, "final_state", lambda job_id: f"CANCELLED {job_id}")
    monkeypatch.setattr(slurm_wait, "RESULT_GRACE_S", 0.0)
    monkeypatch.setattr(slurm_wait, "POLL_S", 0.01)
    monkeypatch.setattr(slurm_wait, "QUEUE_POLL_S", (0.01, 0.01))
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    ends = slurm_wait.wait_for(["1_0", "1_1", "1_2"], [done, gone, pending], [0, 1, 2])
    assert ends == [None, "CANCELLED 1_1", "CANCELLED 1_2"]
    assert "job #1 (SLURM 1_1) is pending: PartitionConfig: it cannot start as asked" in caplog.text


def test_the_reason_of_an_exception_outside_the_job_code_is_its_last_line():
    trace = (
        "Job (task=0) failed during processing with trace:\n" + "-" * 22 + "\nTraceback (most recent call "
        "last):\n  File x\nValueError: bad\n" + "-" * 22 + "\nYou can check full logs with 'job.stderr(0)'"
    )
    assert _last_line(trace) == "ValueError: bad"


def test_the_launcher_is_registered_with_hydra_before_a_sweep_instantiates_it():
    """An editable install hides hydra_plugins/pipeline_launcher from Hydra's pkgutil scan."""
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    from hydra.core.plugins import Plugins

    from pipeline.sweeps.launcher_plugin import RegisterLauncher

    target = "hydra_plugins.pipeline_launcher.slurm.PipelineSlurmLauncher"
    Plugins.instance().class_name_to_class.pop(target, None)
    RegisterLauncher().on_multirun_start(OmegaConf.create({"hydra": {"launcher": {"_target_": target}}}))
    assert target in Plugins.instance().class_name_to_class
