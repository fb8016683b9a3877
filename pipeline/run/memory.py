"""How many bytes a render may still use where its network runs, per device kind.

- CUDA: what the driver reports free, plus what our own caching allocator holds but no tensor uses (the
  driver counts those blocks as taken; a sweep's earlier job in the same process leaves many behind).
- MPS: Metal's recommended working-set size minus what the driver has allocated (host RAM is shared,
  but this is the budget Metal enforces).
- CPU: Linux's MemAvailable; elsewhere `SC_AVPHYS_PAGES` where the OS defines it. macOS does not (and
  counts file cache and compressed pages as used), so there the budget is the physical RAM: the check then
  refuses only what can never fit, and the out-of-memory retry (pipeline.run.oom) handles the rest.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch


def available_memory(device: torch.device) -> int:
    """Free bytes for the network's activations on `device`."""
    if device.type == "cuda":
        return cuda_available(device)
    if device.type == "mps":
        return mps_available()
    return host_available()


def cuda_available(device: torch.device) -> int:
    free, _total = torch.cuda.mem_get_info(device)
    cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
    return free + max(0, cached)


def mps_available() -> int:
    """recommended_max_memory arrived in torch 2.5; before it, the host's memory is the best guess."""
    if not hasattr(torch.mps, "recommended_max_memory"):
        return host_available()
    return max(0, torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory())


def host_available() -> int:
    if sys.platform.startswith("linux"):
        available = proc_bytes("/proc/meminfo", "MemAvailable")
        if available is not None:
            return available
    page = os.sysconf("SC_PAGE_SIZE")
    if sys.platform != "darwin":
        try:
            return page * os.sysconf("SC_AVPHYS_PAGES")
        except (ValueError, OSError):  # a name this OS does not define
            pass
    return page * os.sysconf("SC_PHYS_PAGES")


def proc_bytes(path: str, field: str) -> int | None:
    """A `Field:   N kB` line of a Linux /proc file, in bytes; None where the file or field is absent."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
