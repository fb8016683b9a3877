"""What only real hardware can tell: `python -m pytest -m gpu` on a CUDA machine (`-m mps` on a Mac).

Skipped where the device is missing (tests/conftest.py). Tiny frames and random weights, as elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.dreamer.ascent import ascent_step, dream, frame_generator, objective
from pipeline.dreamer.cuda_env import prepare_cuda_environment
from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.load import random_features
from pipeline.dreamer.objective import Objective, Term
from pipeline.dreamer.out_of_memory import dream_within_memory
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.precision import Autocast, resolve_precision
from pipeline.dreamer.settings import DreamParams
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.render import render
from pipeline.run.memory import available_memory
from pipeline.run.preflight import activation_bytes, check_memory

gpu = pytest.mark.gpu
mps = pytest.mark.mps


def _taps(device: torch.device, layer: str = "conv4_2") -> FeatureTaps:
    taps = FeatureTaps(random_features(0)[: vgg19_taps()[layer] + 1])
    return taps.to(device=device, memory_format=torch.channels_last)


def _gradient(features, image: torch.Tensor) -> torch.Tensor:
    x = image.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(objective(x, features, {"conv4_2": 1.0}) * x[0, 0].numel(), x)
    return grad.flatten().float()


@pytest.fixture
def cuda() -> torch.device:
    return torch.device("cuda", torch.cuda.current_device())


@gpu
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_autocast_runs_the_network_in_low_precision_on_cuda(cuda, dtype):
    if dtype == torch.bfloat16 and torch.cuda.get_device_capability(cuda)[0] < 8:
        pytest.skip("bf16 convolutions need compute capability 8.0")
    taps = _taps(cuda)
    image = torch.randn(1, 3, 96, 96, generator=torch.Generator().manual_seed(0)).to(cuda)
    low = Autocast(taps, cuda, dtype)
    assert low(image, ["conv4_2"])["conv4_2"].dtype == dtype
    exact = _gradient(Autocast(taps, cuda, torch.float32), image)
    assert torch.nn.functional.cosine_similarity(exact, _gradient(low, image), dim=0) >= 0.95
    major = torch.cuda.get_device_capability(cuda)[0]
    assert resolve_precision("auto", cuda) == (torch.bfloat16 if major >= 8 else torch.float16)


@gpu
def test_the_network_and_its_activations_are_channels_last_on_cuda(cuda):
    taps = _taps(cuda, "conv3_1")
    conv = next(module for module in taps.modules() if isinstance(module, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    image = torch.randn(1, 3, 64, 64, device=cuda).contiguous(memory_format=torch.channels_last)
    assert taps(image, ["conv3_1"])["conv3_1"].is_contiguous(memory_format=torch.channels_last)
    space = PixelSpace.imagenet(cuda)
    params = DreamParams(octaves=2, steps=3, jitter=4)
    dreamed = dream(space.encode(np.full((64, 64, 3), 0.5, np.float32)), taps, {"conv3_1": 1.0}, params,
                    frame_generator(0, 0), space)  # fmt: skip
    assert dreamed.objective_end > dreamed.objective_start


@gpu
def test_warm_gradient_steps_never_wait_for_the_host(cuda):
    """CUDA's sync debug mode raises at any host-device synchronisation: two warm steps of a channel
    objective (its index, the smoothing kernel) run without one. Before, the kernel was copied from the
    host and the channel list turned into a tensor at every step (tests/dreamer/test_step_syncs.py)."""
    taps = Autocast(_taps(cuda, "conv3_1"), cuda, torch.float32)
    space = PixelSpace.imagenet(cuda)
    goal = Objective((Term("conv3_1", 1.0, channels=(1, 5, 9)),))
    image = space.encode(np.full((64, 64, 3), 0.5, np.float32))
    params, generator = DreamParams(octaves=1, steps=4, jitter=4), frame_generator(0, 0)
    for step in range(params.steps):  # warm: every sigma's kernel and the index are on the GPU now
        image, _ = ascent_step(image, taps, goal, params, step, generator, space)
    torch.cuda.synchronize(cuda)
    torch.cuda.set_sync_debug_mode("error")
    try:
        for step in range(2):
            image, value = ascent_step(image, taps, goal, params, step, generator, space)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert torch.isfinite(value).item() and torch.isfinite(image).all().item()


@gpu
def test_a_real_out_of_memory_is_retried_in_tiles(cuda):
    """Our allocator capped just above what the network and one tile need: the untiled pass really fails."""
    taps = Autocast(_taps(cuda), cuda, torch.float32)
    space = PixelSpace.imagenet(cuda)
    side, frame = 512, np.random.default_rng(0).random((512, 512, 3), dtype=np.float32)
    whole = activation_bytes(side, side, "conv4_2")
    cap = torch.cuda.memory_allocated(cuda) + whole // 3
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(
        cap / torch.cuda.get_device_properties(cuda).total_memory, cuda
    )
    try:

        def attempt(within):
            generator = frame_generator(0, 0)
            return dream(space.encode(frame), taps, {"conv4_2": 1.0}, within, generator, space).image

        params = DreamParams(octaves=1, steps=1, jitter=4)
        dreamed, budget = dream_within_memory(attempt, params, 10**7, side * side, cuda, "frame 0")
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, cuda)
    assert budget < side * side and torch.isfinite(dreamed).all()


@gpu
def test_the_preflight_counts_what_an_earlier_job_left_in_our_cache(cuda, tmp_path, tiny_config):
    """A sweep's second job in the same process: blocks the first job freed stay in our allocator (the
    driver counts them as used); a pass that fits in them is not refused."""
    render(tiny_config("device=cuda", "frames=1"), tmp_path / "job0")
    free_before = torch.cuda.mem_get_info(cuda)[0]
    filler = torch.empty(int(free_before * 0.8), dtype=torch.uint8, device=cuda)  # the earlier job's blocks
    del filler  # back in our cache, not the driver's
    driver_free = torch.cuda.mem_get_info(cuda)[0]
    budget = available_memory(cuda)
    assert budget >= driver_free + int(free_before * 0.8) * 0.99
    side = 256
    while activation_bytes(side, side, "conv4_2") + 256 * 2**20 < driver_free * 1.2:
        side += 256
    if activation_bytes(side, side, "conv4_2") + 256 * 2**20 > budget:
        pytest.skip("no frame size falls between the driver's free memory and our budget on this card")
    check_memory(side, side, "conv4_2", 10**12, 1024, 88, cuda)  # untiled: refused before the fix
    torch.cuda.empty_cache()


def _dies_after(monkeypatch, frame: int) -> None:
    """The render dies right after frame `frame` is on disk, as a crash between two frames would."""
    from pipeline.output.sink import FrameSink

    submit = FrameSink.submit

    def submit_then_die(self, index, *args):
        submit(self, index, *args)
        if index == frame:
            self.wait()
            raise RuntimeError("killed")

    monkeypatch.setattr(FrameSink, "submit", submit_then_die)


RESUMES = [
    pytest.param(device, variant, marks=mark, id=f"{device}-{variant or 'defaults'}")
    for device, mark in (("cuda", gpu), ("cpu", pytest.mark.slow))
    for variant in ("", "dream=full")
]


@pytest.mark.parametrize("device, variant", RESUMES)
def test_a_stopped_render_resumes_bit_identically(tmp_path, monkeypatch, tiny_config, device, variant):
    """Stopped after frame 4 of 8 and resumed to the same 8 frames: every PNG is the uninterrupted
    render's, byte for byte. The defaults: cadence 6 (frames 0, 6 and 7 dreamed, the stop between two
    dreams) and the deep schedule, whose fraction stages follow the frame count (the same both times);
    dream=full dreams every frame. The CPU twins run the same. Before, a 2-frame render was resumed to 4
    frames: its frame 1 was a dream where the 4-frame render's is made between dreams, so the test could
    not pass."""
    prepare_cuda_environment()  # as a job does, before CUDA starts (pipeline/dreamer/cuda_env.py)
    settings = [
        f"device={device}",
        "deterministic=true",
        "seed=3",
        "frames=8",
        *([variant] if variant else []),
    ]
    render(tiny_config(*settings), tmp_path / "whole")
    with monkeypatch.context() as patch:
        _dies_after(patch, 4)
        with pytest.raises(RuntimeError, match="killed"):
            render(tiny_config(*settings), tmp_path / "run")
    assert len(list((tmp_path / "run/frames").glob("*.png"))) == 5
    render(tiny_config(*settings, f"resume={tmp_path / 'run'}"), tmp_path / "run")
    for index in range(8):
        name = f"frames/{index:06d}.png"
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "run" / name).read_bytes(), name


@mps
def test_mps_dreams_finite_frames_with_the_pyramid_it_can_resize():
    device = torch.device("mps")
    space = PixelSpace.imagenet(device)
    taps = Autocast(_taps(device, "conv3_1"), device, resolve_precision("auto", device))
    grey, params = np.full((64, 64, 3), 0.5, np.float32), DreamParams(octaves=3, steps=2, jitter=4)
    dreamed = dream(space.encode(grey), taps, {"conv3_1": 1.0}, params, frame_generator(0, 0), space)
    assert torch.isfinite(dreamed.image).all() and dreamed.objective_end > dreamed.objective_start
    assert available_memory(device) > 0
