"""Time and peak memory of work on any device, for the benchmark.

GPUs run asynchronously: a timer must wait for the device's queue (`synchronize`) at both ends, or it times
the launch, not the work. Peak memory is reset before each measured run, so one run's figure is its own:
CUDA's allocator counters; on Linux the kernel's resident high-water mark (VmHWM), which writing "5" to
/proc/self/clear_refs resets (proc(5)); elsewhere `ru_maxrss` (bytes on macOS, KiB on Linux and BSD), a
process-wide high-water mark that cannot be reset, so it includes everything the process ran before.
MPS has no peak counter: there the figure is Metal's driver allocation after the run.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch

from pipeline.dreamer.device import synchronize
from pipeline.run.memory import proc_bytes


def timed(run: Callable[[], object], device: torch.device) -> tuple[float, object]:
    synchronize(device)
    started = time.perf_counter()
    result = run()
    synchronize(device)
    return time.perf_counter() - started, result


def maxrss_bytes(maxrss: int, platform: str) -> int:
    """getrusage's ru_maxrss in bytes: macOS reports bytes, Linux and the BSDs KiB (getrusage(2))."""
    return maxrss if platform == "darwin" else maxrss * 1024


def _vm_hwm() -> int | None:
    return proc_bytes("/proc/self/status", "VmHWM")


def reset_peak(device: torch.device) -> bool:
    """Start a fresh peak; False where the figure is a process-wide high-water mark that cannot reset."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return True
    if device.type == "mps":
        return True
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _vm_hwm() is not None


def peak_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    if device.type == "mps":
        return torch.mps.driver_allocated_memory()
    hwm = _vm_hwm() if sys.platform.startswith("linux") else None
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return hwm if hwm is not None else maxrss_bytes(usage, sys.platform)


def peak_memory(run: Callable[[], object], device: torch.device) -> tuple[int, bool]:
    """(peak bytes while `run` ran, whether that figure is its own rather than the whole process's)."""
    own = reset_peak(device)
    run()
    synchronize(device)
    return peak_bytes(device), own


def conv_peak(device: torch.device, dtype: torch.dtype, size: int, seconds: float = 0.25) -> float:
    """GFLOP/s of a 3x3 convolution, 512 -> 512 channels at size x size, channels_last: the kind of layer
    VGG19 is made of. Repeated until one timed batch lasts `seconds` (a single call on a GPU is mostly
    launch overhead); the best of three batches."""
    conv = nn_conv(device)
    x = torch.randn(1, 512, size, size, device=device).contiguous(memory_format=torch.channels_last)

    def run(times: int):
        with torch.autocast(device.type, dtype=dtype, enabled=dtype != torch.float32):
            for _ in range(times):
                conv(x)

    run(1)  # warm-up: kernel selection and caches
    times = 1
    while (elapsed := timed(partial(run, times), device)[0]) < seconds and times < 2**20:
        times *= 2
    best = min([elapsed] + [timed(partial(run, times), device)[0] for _ in range(2)])
    return 2 * 512 * 512 * 9 * size * size * times / best / 1e9


def nn_conv(device: torch.device) -> torch.nn.Conv2d:
    conv = torch.nn.Conv2d(512, 512, 3, padding=1).requires_grad_(False)
    return conv.to(device, memory_format=torch.channels_last)
