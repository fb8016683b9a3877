"""Turn the `device` setting into a torch.device that exists on this machine, or say why not; and the few
things every device kind does differently (synchronise, empty the allocator's cache, resize)."""

from __future__ import annotations

import logging
import os
import re

import torch

from pipeline.dreamer.cuda_env import CUBLAS_WORKSPACE, prepare_cuda_environment
from pipeline.dreamer.settings import check_device_name
from pipeline.errors import UserError

log = logging.getLogger(__name__)


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
        check_kernels(index)
        torch.cuda.set_device(index)
        return torch.device("cuda", index)
    if name == "mps" and not torch.backends.mps.is_available():
        raise UserError("device=mps, but Apple's Metal backend is not available here: use device=auto or cpu")
    return torch.device(name)


def check_kernels(index: int) -> None:
    """Refuse a card the installed torch wheel has no kernels for, naming it: torch picks it and fails
    at the first kernel with a traceback (GTX 10xx and P100 from torch 2.8, V100 on CUDA 13 wheels)."""
    arch_list = torch.cuda.get_arch_list()
    if not arch_list:  # a build that does not say: let torch try
        return
    major, minor = torch.cuda.get_device_capability(index)
    if not runs_on(arch_list, major, minor):
        card = f"{torch.cuda.get_device_name(index)} (compute capability {major}.{minor}, sm_{major}{minor})"
        raise UserError(
            f"device=cuda:{index} is {card}, but this PyTorch {torch.__version__} has GPU code for "
            f"{' '.join(arch_list)} only: install a PyTorch build that lists it (pytorch.org, 'Previous "
            "versions'), or use device=cpu"
        )


def runs_on(arch_list: list[str], major: int, minor: int) -> bool:
    """Whether code built for `arch_list` (torch.cuda.get_arch_list()) runs on compute capability
    major.minor: a cubin sm_XY runs on capability X.y for y >= Y (and sm_XYf likewise), PTX compute_XY is
    compiled by the driver for any capability >= X.Y; sm_XYa and compute_XYa run on X.Y alone
    (CUDA C++ Programming Guide, "Binary Compatibility", "PTX Compatibility")."""
    for arch in arch_list:
        found = re.fullmatch(r"(sm|compute)_(\d+)(\d)([af]?)", arch)
        if found is None:
            continue
        kind, built, suffix = found[1], (int(found[2]), int(found[3])), found[4]
        if suffix == "a":
            runs = built == (major, minor)
        elif kind == "sm":
            runs = built[0] == major and built[1] <= minor
        else:
            runs = built <= (major, minor)
        if runs:
            return True
    return False


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
    if deterministic and "CUBLAS_WORKSPACE_CONFIG" not in os.environ:
        # cuBLAS needs a fixed workspace to be deterministic, read when CUDA starts: a job sets it first
        # (dreamer/cuda_env.py); code that calls this directly gets it here, if CUDA has not started yet
        if torch.cuda.is_initialized():
            log.warning(
                "deterministic=true, but CUDA started without CUBLAS_WORKSPACE_CONFIG: cuBLAS "
                "results may still vary; set CUBLAS_WORKSPACE_CONFIG=%s before the process starts",
                CUBLAS_WORKSPACE,
            )
        prepare_cuda_environment()
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
