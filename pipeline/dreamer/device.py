"""Turn the `device` setting into a torch.device that exists on this machine, or say why not; and the few
things every device kind does differently (synchronise, empty the allocator's cache, resize)."""

from __future__ import annotations

import os
import re

import torch

from pipeline.dreamer.settings import check_device_name
from pipeline.errors import UserError


def resolve_device(name: str) -> torch.device:
    """`auto` prefers CUDA, then Apple's MPS, then the CPU; an explicit choice must exist here.

    A CUDA device always comes back with its index and made current (`torch.cuda.set_device`), so
    capability checks, synchronisation, memory figures and any tensor made without a device land on
    the GPU asked for, not GPU 0."""
    check_device_name(name)
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif torch.backends.mps.is_available():
            return torch.device("mps")
        else:
            return torch.device("cpu")
    if name.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(name.partition(":")[2] or 0)
        if index >= count:
            found = f"{count} CUDA device(s)" if count else "no CUDA device"
            raise UserError(f"device={name}, but PyTorch sees {found} here: use device=auto or device=cpu")
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    if name == "mps" and not torch.backends.mps.is_available():
        raise UserError("device=mps, but Apple's Metal backend is not available here: use device=auto or cpu")
    return torch.device(name)


def torch_at_least(major: int, minor: int) -> bool:
    """Whether the running torch is `major.minor` or newer (read from torch.__version__, "2.6.0+cu124")."""
    found = re.match(r"(\d+)\.(\d+)", str(torch.__version__))
    return found is not None and (int(found[1]), int(found[2])) >= (major, minor)


def synchronize(device: torch.device) -> None:
    """Wait for the work queued on `device` (GPUs run asynchronously: a timer must wait for it)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def empty_cache(device: torch.device) -> None:
    """Hand the caching allocator's free blocks back to the driver (CUDA, MPS); the CPU has no cache."""
    if device.type == "cuda":
        torch.cuda.empty_cache()  # the current device: resolve_device made it the one we run on
    elif device.type == "mps":
        torch.mps.empty_cache()


def antialias_on(device: torch.device) -> bool:
    """Whether `device` has an antialiased bilinear resize: MPS gained one in torch 2.7 (pytorch#145526);
    before that it raises NotImplementedError, so the pyramid resizes there on the CPU instead."""
    return device.type != "mps" or torch_at_least(2, 7)


def configure_backends(device: torch.device, deterministic: bool) -> None:
    """cuDNN benchmark mode picks the fastest convolution algorithm per process, which may differ between
    runs, and TF32 rounds fp32 convolutions on Ampere and newer. `deterministic` turns both off and asks
    for deterministic algorithms (warning where an op has none), so a resume on the same GPU repeats
    the same bits. Process-wide flags: set on every call, so one sweep job's choice does not leak."""
    if device.type != "cuda":
        return
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.allow_tf32 = not deterministic  # PyTorch's default is on for convolutions
    if deterministic:  # cuBLAS needs a fixed workspace to be deterministic (CUDA docs, "Reproducibility")
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
