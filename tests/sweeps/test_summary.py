"""Sweeps through the real CLI: a directory per job, the sweep's contact sheet and index, failures reported
while the other jobs finish, and the joblib and submitit launchers. Plus how a failing job records itself."""

import logging
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import cv2
import pytest
from hydra import compose, initialize_config_dir
from hydra.types import RunMode

from pipeline.config import register_configs
from pipeline.errors import UserError
from pipeline.output.video import probe
from pipeline.sweeps import jobs
from tests.conftest import CONF_DIR
from tests.test_cli import TINY, run_cli

# 2x2 jobs, each 2 frames of 64x48 dreaming a shallow layer (cheap), rendered through the real CLI.
SWEEP = [
    *TINY,
    "frames=2",
    "layer_schedule=single",
    "layer_schedule.layer=conv1_1,conv2_1",
    "motion=zoom,spiral",
]


def _links(index: Path) -> list[Path]:
    return [index.parent / unquote(link) for link in re.findall(r"\]\(([^)]+)\)", index.read_text())]


def _check_sweep(result, sweep: Path) -> list[Path]:
    """Four job directories, each with its video and overrides; a contact sheet of four captioned tiles;
    an index linking all four videos. Returns the job directories."""
    assert result.returncode == 0, result.stderr
    job_dirs = sorted(path.parent.parent for path in sweep.glob("*/.hydra/overrides.yaml"))
    assert len(job_dirs) == 4
    assert len({(job / ".hydra/overrides.yaml").read_text() for job in job_dirs}) == 4
    assert all(probe(job / "dream.mp4")["frames"] == 2 for job in job_dirs)
    sheet = cv2.imread(str(sweep / "contact_sheet.jpg"))
    # One row of four 320 px tiles (64x48 frames scaled to 320x240), each over a caption band of three
    # 18 px lines (job number and the two swept overrides) plus 6 px.
    assert sheet.shape == (240 + 3 * 18 + 6, 4 * 320, 3)
    links = _links(sweep / "index.md")
    assert sorted(link for link in links if link.name == "dream.mp4") == [
        job / "dream.mp4" for job in job_dirs
    ]
    assert all(link.is_file() for link in links)
    assert "sweep: 4 of 4 jobs finished" in result.stdout
    return job_dirs


@pytest.mark.slow
def test_sequential_sweep_reuses_the_network(tmp_path):
    result = run_cli("-m", *SWEEP, f"hydra.sweep.dir={tmp_path}")
    job_dirs = _check_sweep(result, tmp_path)
    reused = [job for job in job_dirs if "reusing the VGG19 network" in (job / "render.log").read_text()]
    assert len(reused) == 3  # the first job loads it, the other three reuse it


@pytest.mark.slow
def test_joblib_runs_two_jobs_at_once(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    result = run_cli(
        "-m", *SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={tmp_path}"
    )
    job_dirs = _check_sweep(result, tmp_path)
    for job in job_dirs:  # two jobs share the cores: threads=0 gives each its share
        assert "CPU threads for torch and OpenCV in this job" in (job / "render.log").read_text()


@pytest.mark.slow
def test_a_failing_job_lets_the_others_finish_and_is_reported(tmp_path):
    bad = "layer_schedule.layer=conv9_9"
    args = [*TINY, "frames=2", "layer_schedule=single", "layer_schedule.layer=conv1_1,conv9_9"]
    result = run_cli("-m", *args, f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert len(list(tmp_path.glob("*conv1_1*/dream.mp4"))) == 1
    (failed_dir,) = tmp_path.glob("*conv9_9*")
    assert "conv9_9" in (failed_dir / "FAILED").read_text()
    assert "unknown VGG19 layer 'conv9_9'" in (failed_dir / "render.log").read_text()
    summary = [line for line in result.stderr.splitlines() if bad in line]
    assert len(summary) == 1 and "conv5_4" in summary[0]  # the job, and the error with the valid choices
    index = (tmp_path / "index.md").read_text()
    assert "1 failed" in index and "## Failed jobs" in index and bad in index.split("## Failed jobs")[1]


@pytest.mark.slow
def test_submitit_local_runs_a_job(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    args = [*TINY, "frames=2", "layer_schedule=single", "layer_schedule.layer=conv1_1"]
    result = run_cli("-m", *args, "hydra/launcher=submitit_local", f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    (video,) = tmp_path.glob("*/dream.mp4")
    assert probe(video)["frames"] == 2
    assert (tmp_path / "index.md").is_file() and (tmp_path / "contact_sheet.jpg").is_file()


@pytest.fixture
def multirun(monkeypatch):
    """Make pipeline.sweeps.jobs see a multirun job, as Hydra's launchers set it up."""
    hydra_config = SimpleNamespace(
        initialized=lambda: True, get=lambda: SimpleNamespace(mode=RunMode.MULTIRUN)
    )
    monkeypatch.setattr(jobs, "HydraConfig", hydra_config)


def test_a_job_crash_is_logged_with_its_traceback(tmp_path, multirun, caplog):
    try:
        raise RuntimeError("CUDA error: device-side assert\ntriggered")
    except RuntimeError as error:
        with caplog.at_level(logging.ERROR):
            assert jobs.record_failure(tmp_path, error)
    assert (tmp_path / jobs.FAILED).read_text() == "RuntimeError: CUDA error: device-side assert triggered\n"
    assert "Traceback" in caplog.text


def test_a_user_error_is_one_line(tmp_path, multirun, caplog):
    assert jobs.record_failure(tmp_path, UserError("dream.steps must be at least 1, got 0"))
    assert (tmp_path / jobs.FAILED).read_text() == "dream.steps must be at least 1, got 0\n"
    assert "Traceback" not in caplog.text


def test_a_single_run_reports_errors_itself(tmp_path, monkeypatch):
    hydra_config = SimpleNamespace(initialized=lambda: True, get=lambda: SimpleNamespace(mode=RunMode.RUN))
    monkeypatch.setattr(jobs, "HydraConfig", hydra_config)
    assert not jobs.record_failure(tmp_path, UserError("bad"))
    assert not (tmp_path / jobs.FAILED).exists()


@pytest.mark.parametrize("preset, gpus", [("slurm", None), ("slurm_gpu", 1)])
def test_the_slurm_launcher_presets_compose_and_fit_a_small_node(preset, gpus):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="render", overrides=[f"hydra/launcher={preset}"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_ == "hydra_plugins.pipeline_launcher.slurm.PipelineSlurmLauncher"
    assert (launcher.gpus_per_node, launcher.cpus_per_task, launcher.mem_gb) == (gpus, 2, 8)
    assert launcher.max_num_timeout > 0  # the time limit requeues (tests/sweeps/test_slurm.py)


def test_a_stop_during_a_finished_jobs_encode_stops_the_sweep_without_marking_the_job(
    tmp_path, multirun, monkeypatch
):
    monkeypatch.setattr(jobs, "_stopped", [])
    assert jobs.record_interrupt(tmp_path / "done", 143, complete=True)
    assert not (tmp_path / "done" / jobs.INTERRUPTED).exists()  # its video is whole: it finished
    assert jobs.stop_exit_code() == 143  # the sweep ends with the signal's code
    (tmp_path / "next").mkdir()
    assert jobs.skip_after_stop(tmp_path / "next") and (tmp_path / "next" / jobs.NOT_RUN).is_file()
