"""The out-of-memory retry shared by renders and stills: what it recognises, what it frees, and when."""

import weakref

import pytest
import torch

import pipeline.dreamer.dreamer as within_memory_module
from pipeline.animation.dream_config import DreamConfig
from pipeline.config import StillsConfig
from pipeline.dreamer.out_of_memory import dream_within_memory, is_out_of_memory
from pipeline.dreamer.settings import DreamParams, ModelConfig
from pipeline.run.stills import dream_stills
from tests.run.test_preflight import fail_untiled

CUDA = torch.device("cuda", 0)


def _fails_once(kind: type[Exception], message: str, held: list):
    """An attempt that allocates, keeps the tensor in a reference cycle (as autograd graphs and
    exceptions often do), then runs out of memory; the second attempt succeeds. The error is made inside,
    as torch makes it: a test holding it would keep its traceback, and the tensor, alive."""

    def attempt(params: DreamParams):
        if not held:
            activations = torch.ones(1000)
            cycle = [activations]
            cycle.append(cycle)
            held.append(weakref.ref(activations))
            raise kind(message)
        return params

    return attempt


def test_the_failed_attempts_tensors_are_gone_before_the_cache_is_emptied(monkeypatch):
    held, alive_when_emptied = [], []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: alive_when_emptied.append(held[0]() is not None))
    attempt = _fails_once(torch.OutOfMemoryError, "CUDA out of memory. Tried to allocate 2.00 GiB", held)
    params, budget = dream_within_memory(attempt, DreamParams(), 2_500_000, 64 * 48, CUDA, "frame 0")
    assert alive_when_emptied == [False]
    assert (
        budget == 64 * 48 // 4 and params.tile_pixels == budget and params.tile == 16
    )  # isqrt(768) = 27, down to the 16 px grid


@pytest.mark.parametrize(
    "device, message",
    [
        (CUDA, "cuDNN error: CUDNN_STATUS_ALLOC_FAILED"),
        (torch.device("mps"), "MPS backend out of memory (MPS allocated: 17.00 GB, other allocations: "
         "1.20 GB, max allowed: 18.13 GB). Tried to allocate 256.00 MB on private pool."),
        (torch.device("cpu"), "DefaultCPUAllocator: can't allocate memory: you tried to allocate 1 GB"),
    ],
)  # fmt: skip
def test_cudnn_mps_and_cpu_allocation_failures_are_retried(monkeypatch, device, message, caplog):
    emptied = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: emptied.append("cuda"))
    monkeypatch.setattr(torch.mps, "empty_cache", lambda: emptied.append("mps"))
    _, budget = dream_within_memory(
        _fails_once(RuntimeError, message, []), DreamParams(), 2_500_000, 64 * 48, device, "frame 3"
    )
    assert budget == 64 * 48 // 4
    assert emptied == ([device.type] if device.type != "cpu" else [])
    assert "frame 3 ran out of memory" in caplog.text


@pytest.mark.parametrize(
    "message",
    ["shape mismatch", "CUDA error: device-side assert triggered", "cuDNN error: CUDNN_STATUS_BAD_PARAM"],
)
def test_other_errors_are_not_mistaken_for_memory(message):
    assert not is_out_of_memory(RuntimeError(message))
    with pytest.raises(RuntimeError, match=message.split(":")[0]):
        dream_within_memory(_fails_once(RuntimeError, message, []), DreamParams(), 10**6, 10**4, CUDA, "x")


def test_the_retry_gives_up_when_tiles_cannot_shrink():
    def always(params):
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        dream_within_memory(always, DreamParams(), 2_500_000, 640 * 360, CUDA, "frame 0")


def test_the_stills_command_retries_a_layer_in_tiles_and_keeps_the_budget(monkeypatch, tmp_path):
    budgets = fail_untiled(
        monkeypatch, within_memory_module, "CUDA out of memory. Tried to allocate 1.00 GiB"
    )
    cfg = StillsConfig(
        width=64, height=48, layers=["conv1_2", "conv2_1"], device="cpu", model=ModelConfig(weights="random"),
        dream=DreamConfig(octaves=2, steps="2", jitter=4),
    )  # fmt: skip
    dream_stills(cfg, tmp_path)
    assert (tmp_path / "conv1_2.png").is_file() and (tmp_path / "conv2_1.png").is_file()
    assert budgets == [2_500_000, 64 * 48 // 4, 64 * 48 // 4]  # the second layer starts small
