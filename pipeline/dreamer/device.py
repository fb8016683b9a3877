"""Turn the `device` setting into a torch.device that exists on this machine, or say why not."""

from __future__ import annotations

import torch

from pipeline.dreamer.settings import check_device_name
from pipeline.errors import UserError


def resolve_device(name: str) -> torch.device:
    """`auto` prefers CUDA, then Apple's MPS, then the CPU; an explicit choice must exist here."""
    check_device_name(name)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(name.partition(":")[2] or 0)
        if index >= count:
            found = f"{count} CUDA device(s)" if count else "no CUDA device"
            raise UserError(f"device={name}, but PyTorch sees {found} here: use device=auto or device=cpu")
    if name == "mps" and not torch.backends.mps.is_available():
        raise UserError("device=mps, but Apple's Metal backend is not available here: use device=auto or cpu")
    return torch.device(name)
