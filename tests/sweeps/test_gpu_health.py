"""A sticky CUDA error in one sweep job: that job fails, and the later GPU jobs of the process are refused
at once with one line, instead of each failing on a broken CUDA context."""

import subprocess
import sys
from types import SimpleNamespace

import pytest
from hydra.types import RunMode

from pipeline.errors import UserError
from pipeline.sweeps import gpu_health, jobs
from pipeline.sweeps.gpu_health import check_gpu_usable, note_failure
from tests.test_cli import ROOT

ASSERT = "CUDA error: device-side assert triggered\nCUDA kernel errors might be asynchronously reported"


@pytest.fixture
def fresh_process(monkeypatch):
    monkeypatch.setattr(gpu_health, "_broken", [])


def test_a_device_side_assert_refuses_later_gpu_jobs(fresh_process):
    check_gpu_usable("cuda")
    note_failure(RuntimeError(ASSERT), "RuntimeError: CUDA error: device-side assert triggered")
    for device in ("cuda", "cuda:1", "auto", "mps"):
        with pytest.raises(UserError, match="earlier job in this process hit a CUDA error") as caught:
            check_gpu_usable(device)
        assert "device-side assert" in str(caught.value) and "\n" not in str(caught.value)
    check_gpu_usable("cpu")  # a CPU job never touches the broken context


@pytest.mark.parametrize(
    "message",
    [
        "CUDA out of memory. Tried to allocate 2 GiB",
        "shape mismatch",
        "cuDNN error: CUDNN_STATUS_ALLOC_FAILED",
    ],
)
def test_errors_that_leave_the_gpu_usable_refuse_nothing(fresh_process, message):
    note_failure(RuntimeError(message), message)
    check_gpu_usable("cuda")


def test_a_failing_sweep_job_marks_the_process(fresh_process, monkeypatch, tmp_path):
    multirun = SimpleNamespace(initialized=lambda: True, get=lambda: SimpleNamespace(mode=RunMode.MULTIRUN))
    monkeypatch.setattr(jobs, "HydraConfig", multirun)
    assert jobs.record_failure(tmp_path, RuntimeError("CUDA error: an illegal memory access was encountered"))
    with pytest.raises(UserError, match="illegal memory access"):
        check_gpu_usable("auto")


# The real CLI, one process for the whole sweep (the default launcher), with the first dream hitting a
# device-side assert.
SWEEP = """
import sys
import pipeline.dreamer.dreamer as within_memory
def device_side_assert(*args, **kwargs):
    raise RuntimeError({error!r})
within_memory.dream = device_side_assert
from pipeline.render import main
sys.argv = ["pipeline.render", "-m", *{args!r}]
main()
"""


@pytest.mark.slow
def test_the_jobs_after_a_sticky_error_fail_fast_in_a_real_sweep(tmp_path):
    args = ["model.weights=random", "width=64", "height=48", "frames=1", "dream.octaves=2", "dream.steps=1",
            "video.preset=ultrafast", "seed=0,1", f"hydra.sweep.dir={tmp_path}"]  # fmt: skip
    script = SWEEP.format(error=ASSERT, args=args)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1, result.stderr
    first, second = sorted(tmp_path.glob("[0-9]_*"))
    assert "device-side assert" in (first / "FAILED").read_text()
    assert (second / "FAILED").read_text().startswith("not run: an earlier job in this process")
    assert not (second / "frames").exists()  # refused before it set anything up
