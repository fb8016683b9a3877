"""A sweep job read back from its directory: its outputs, its picture, and why it failed."""

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import UserError
from pipeline.sweeps.jobs import FAILED, failure_line, find_jobs, read_job, record_failure, run_job


def _job(folder: Path, num: int, overrides: list[str], name: str = "render") -> Path:
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra/overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    (folder / ".hydra/hydra.yaml").write_text(f"hydra:\n  job:\n    num: {num}\n    name: {name}\n")
    return folder


def test_a_finished_job_lists_its_outputs_and_its_middle_frame(tmp_path):
    job_dir = _job(tmp_path / "0", 0, ["motion=zoom"])
    (job_dir / "frames").mkdir()
    for index in (0, 1, 2, 10):  # numeric order, not string order: 10 comes last
        (job_dir / "frames" / f"{index}.png").write_bytes(b"")
    for name in ("dream.mp4", "contact_sheet.jpg", "preview.jpg", ".dream.mp4.partial", "notes.txt"):
        (job_dir / name).write_bytes(b"")
    job = read_job(job_dir)
    assert job.error is None and job.overrides == ["motion=zoom"] and job.log == job_dir / "render.log"
    assert [p.name for p in job.outputs] == ["dream.mp4", "contact_sheet.jpg"]
    assert job.picture == job_dir / "frames" / "2.png"


def test_a_failed_job_reports_its_one_line_reason_or_the_missing_output(tmp_path):
    failed = _job(tmp_path / "a", 1, ["dream.octaves=9"], name="dream")
    (failed / FAILED).write_text("dream.octaves=9 is too many\n")
    (failed / "grid.jpg").write_bytes(b"")
    assert read_job(failed).error == "dream.octaves=9 is too many"
    assert read_job(failed).picture == failed / "grid.jpg"
    silent = _job(tmp_path / "b", 2, [], name="dream")
    assert read_job(silent).error == "no output: the job stopped without a result (see dream.log)"
    assert read_job(silent).picture is None


def test_jobs_are_found_in_any_layout_and_listed_in_job_order(tmp_path):
    _job(tmp_path / "x/late", 2, ["seed=2"])
    _job(tmp_path / "early", 0, ["seed=0"])
    _job(tmp_path / "y/z/mid", 1, ["seed=1"])
    assert [job.overrides for job in find_jobs(tmp_path)] == [["seed=0"], ["seed=1"], ["seed=2"]]


def test_one_line_keeps_user_errors_as_they_are_and_names_other_exceptions():
    assert failure_line(UserError("width must be even")) == "width must be even"
    assert failure_line(RuntimeError("CUDA\n  out of   memory")) == "RuntimeError: CUDA out of memory"
    assert failure_line(KeyError()) == "KeyError"


def test_outside_a_multirun_a_failure_is_left_to_the_caller(tmp_path):
    assert record_failure(tmp_path, UserError("bad")) is False
    assert not (tmp_path / FAILED).exists()


@pytest.mark.parametrize("error", [UserError("bad width"), ValueError("boom")])
def test_in_a_multirun_a_failure_is_written_down_and_the_sweep_goes_on(tmp_path, monkeypatch, error):
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    class _Multirun:
        mode = RunMode.MULTIRUN

    monkeypatch.setattr(HydraConfig, "initialized", staticmethod(lambda: True))
    monkeypatch.setattr(HydraConfig, "get", staticmethod(lambda: _Multirun()))
    assert record_failure(tmp_path / "job", error) is True
    assert (tmp_path / "job" / FAILED).read_text() == failure_line(error) + "\n"


def test_every_job_sets_cublas_s_workspace_before_its_work(tmp_path, monkeypatch):
    """A sweep's jobs can share one process: a first job with deterministic=false must not start CUDA
    without the setting a later deterministic job needs (cuBLAS reads it once). A user's value stays."""
    import logging
    import os

    seen = []
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    for _ in range(2):  # two jobs, one process
        run_job(lambda: seen.append(os.environ.get("CUBLAS_WORKSPACE_CONFIG")), tmp_path, logging.getLogger())
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    run_job(lambda: seen.append(os.environ.get("CUBLAS_WORKSPACE_CONFIG")), tmp_path, logging.getLogger())
    assert seen == [":4096:8", ":4096:8", ":16:8"]


def test_a_second_sweep_into_a_folder_holding_a_sweep_is_refused_and_touches_nothing(tmp_path):
    """Before: the second sweep's jobs were refused inside the first sweep's (same overrides, same job
    folders), FAILED was written into its good jobs and both sweeps were mixed on one page."""
    from tests.test_cli import ROOT, TINY, _assert_one_line_error

    sweep = tmp_path / "sweep"
    command = [sys.executable, "-m", "pipeline.render", "-m", *TINY, "frames=1", "seed=1,2"]
    first = subprocess.run([*command, f"hydra.sweep.dir={sweep}"], cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = {path: path.stat().st_mtime_ns for path in sweep.rglob("*")}
    second = subprocess.run([*command, f"hydra.sweep.dir={sweep}"], cwd=ROOT, capture_output=True, text=True)
    _assert_one_line_error(second, "already holds a sweep (2 job(s))", "hydra.sweep.dir")
    assert {path: path.stat().st_mtime_ns for path in sweep.rglob("*")} == before


def test_a_sweep_value_too_long_for_a_folder_name_still_makes_its_jobs_folder():
    """Hydra names a job's folder after its overrides; a value longer than a file name may be (255 bytes)
    stopped the whole sweep with OSError's traceback. The part that is too long is cut and a hash of the
    whole name keeps the folders apart; short names are Hydra's own."""
    from pipeline.config import NAME_BYTES, job_dir_name

    assert job_dir_name(3, "seed=1,width=64") == "3_seed=1,width=64"
    long_a, long_b = (f"input=/tmp/{letter * 300}.png,seed=1" for letter in "ab")
    names = [job_dir_name(0, long_a), job_dir_name(0, long_b)]
    assert names[0] != names[1]
    for name in names:
        parts = name.split("/")
        assert parts[:2] == ["0_input=", "tmp"] and all(len(part.encode()) <= NAME_BYTES for part in parts)
    assert job_dir_name(0, long_a) == names[0]  # the same job gets the same folder (a resume finds it)


def test_a_job_whose_hydra_record_was_deleted_is_still_read_from_its_folder(tmp_path):
    """Before, a deleted .hydra/hydra.yaml raised while the sweep's pages were made (they stayed stale):
    the job's number comes from its folder's name, its name from its log."""
    job_dir = _job(tmp_path / "7_seed=2", 7, ["seed=2"])
    (job_dir / ".hydra/hydra.yaml").unlink()
    (job_dir / "render.log").write_text("")
    (job_dir / "dream.mp4").write_bytes(b"mp4")
    job = read_job(job_dir)
    assert (job.num, job.log.name, job.overrides, job.error) == (7, "render.log", ["seed=2"], None)
