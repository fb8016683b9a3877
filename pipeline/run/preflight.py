"""Checks that must pass before a render starts: enough memory and disk (the run directory's own check is
pipeline.run.run_dir, a Hydra callback).

Each failure is a UserError with the numbers and the setting to change, so a render never dies hours in
(or at its first frame) for a reason that was knowable up front.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch

from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.vgg import build_vgg19_features
from pipeline.errors import UserError

GIB = 2**30


def activation_bytes(height: int, width: int, layer: str) -> int:
    """Bytes autograd keeps for one forward/backward pass up to `layer`: every conv and pool output in
    fp32 (the ReLUs work in place), plus as much again for the gradients flowing back. Measured: a
    1200x1200 window at conv4_2 estimates 3.1 GiB; the whole process peaked at 3.7 GB."""
    with torch.device("meta"):
        features = build_vgg19_features()[: vgg19_taps()[layer] + 1]
    total, channels = 0, 3
    for module in features:
        if isinstance(module, torch.nn.MaxPool2d):
            height, width = height // 2, width // 2
        elif isinstance(module, torch.nn.Conv2d):
            channels = module.out_channels
        else:
            continue  # an in-place ReLU allocates nothing
        total += channels * height * width * 4
    return 2 * total


def available_memory(device: torch.device) -> int:
    """Free bytes where the network runs: the GPU's free memory, or the host's MemAvailable."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def check_memory(
    height: int, width: int, layer: str, tile_pixels: int, tile: int, margin: int, device
) -> None:
    """The largest pass a render will make (the full frame, or one tile's window) must fit in memory."""
    if height * width > tile_pixels:
        height, width = min(height, tile + 2 * margin), min(width, tile + 2 * margin)
    needed = activation_bytes(height, width, layer) + 256 * 2**20  # plus the network and working buffers
    free = available_memory(device)
    if needed > free:
        raise UserError(
            f"dreaming {layer} over {width}x{height} px at once needs about {needed / GIB:.1f} GiB but "
            f"{device} has {free / GIB:.1f} GiB free: tile the gradient with a smaller dream.tile_pixels "
            "and dream.tile (e.g. dream.tile_pixels=1000000 dream.tile=512), or render a smaller frame"
        )


def check_disk(run_dir: Path, frames: int, width: int, height: int) -> None:
    """PNG frames of dreams barely compress, so count raw size per frame, plus the video and its segments."""
    needed = frames * width * height * 3 * 1.1 + 2 * width * height * 12
    free = shutil.disk_usage(run_dir).free
    if needed > free:
        raise UserError(
            f"{frames} frames at {width}x{height} need about {needed / GIB:.1f} GiB in {run_dir} but only "
            f"{free / GIB:.1f} GiB is free: free space, render fewer frames, or use another hydra.run.dir"
        )
