"""The gradient-ascent step builds nothing from host data once warm: every tensor it needs (the smoothing
kernel, the channel indices) is made once per device and kept there. On a GPU, a tensor built from Python
data or copied from the host is a host-device synchronisation at every step; the gpu-marked test in
tests/test_gpu.py runs the same steps under CUDA's sync debug mode."""

import torch
from torch.overrides import TorchFunctionMode

from pipeline.dreamer.ascent import ascent_step, frame_generator
from pipeline.dreamer.objective import Objective, Term, channel_index
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.settings import DreamParams
from pipeline.dreamer.smoothing import depthwise_kernel

SPACE = PixelSpace.of([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])
FROM_HOST_DATA = {torch.tensor, torch.as_tensor, torch.asarray, torch.from_numpy, torch.Tensor.new_tensor}


class HostData(TorchFunctionMode):
    """Notes each torch call that makes a tensor from Python or NumPy data, indexes with a Python list
    (torch turns the list into a tensor), or converts a tensor with .to() (a copy; from the host to a
    GPU, a synchronisation)."""

    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if func in FROM_HOST_DATA:
            self.seen.append(getattr(func, "__name__", str(func)))
        elif func is torch.Tensor.__getitem__ and any(isinstance(i, list) for i in _indices(args[1])):
            self.seen.append("indexing with a list")
        elif func is torch.Tensor.to and result is not args[0]:
            self.seen.append(f"Tensor.to {args[0].dtype} {args[0].device} -> {result.dtype} {result.device}")
        return result


def _indices(index):
    return index if isinstance(index, tuple) else (index,)


def _steps(features, goal, image, count, generator):
    params = DreamParams(octaves=1, steps=4, jitter=2, lr=0.05)
    for step in range(count):
        image, _ = ascent_step(image, features, goal, params, step % params.steps, generator, SPACE)
    return image


def test_warm_steps_build_no_tensor_from_host_data(toy_features):
    """Two steps of a channel-narrowed objective after a warm-up of one octave: nothing from the host.
    (Before: the kernel was converted from its float64 CPU copy, and the channels indexed with a list,
    at every step.)"""
    goal = Objective((Term("second", 1.0, channels=(1, 3, 5)), Term("first", 0.5)))
    image = torch.randn(1, 3, 24, 32, generator=torch.Generator().manual_seed(0))
    generator = frame_generator(0, 0)
    image = _steps(toy_features, goal, image, 4, generator)  # every sigma of the octave's steps once
    kernels, indices = depthwise_kernel.cache_info(), channel_index.cache_info()
    with HostData() as mode:
        _steps(toy_features, goal, image, 2, generator)
    assert mode.seen == []
    assert depthwise_kernel.cache_info().misses == kernels.misses  # both steps found their kernel
    assert depthwise_kernel.cache_info().hits >= kernels.hits + 2
    assert channel_index.cache_info().misses == indices.misses
    assert channel_index.cache_info().hits >= indices.hits + 2
