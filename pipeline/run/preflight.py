"""Checks that must pass before a render starts: enough memory and disk (the run directory's own check is
pipeline.run.run_dir, a Hydra callback).

Each failure is a UserError with the numbers and the setting to change, so a render never dies hours in
(or at its first frame) for a reason that was knowable up front.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.plan import NetworkPlan
from pipeline.errors import UserError
from pipeline.run.memory import available_memory

GIB = 2**30


def activation_bytes(
    height: int, width: int, layer: str, plan: NetworkPlan = VGG19, dtype: torch.dtype = torch.float32
) -> int:
    """Bytes autograd keeps for one forward/backward pass up to `layer`: every tensor the forward pass
    allocates (conv, batch-norm, pool and concatenation outputs; ReLUs work in place) in the network's
    float type, plus as much again for the gradients flowing back. Under bf16/fp16 autocast the
    convolutions write 2-byte values and their gradients are 2-byte too, so the pass needs half of fp32's;
    counting fp32 there refused frames that fit. Measured on VGG19: a 1200x1200 window at conv4_2
    estimates 3.1 GiB in fp32; the whole process peaked at 3.7 GB."""
    return 2 * dtype.itemsize * plan.activation_values(layer, height, width)


def check_memory(
    height: int,
    width: int,
    layer: str,
    tile_pixels: int,
    tile: int,
    margin: int,
    device,
    plan: NetworkPlan = VGG19,
    dtype: torch.dtype = torch.float32,
) -> None:
    """The largest pass a render will make (the full frame, or one tile's window), in the network's float
    type `dtype`, must fit in memory."""
    if height * width > tile_pixels:
        height, width = min(height, tile + 2 * margin), min(width, tile + 2 * margin)
    needed = activation_bytes(height, width, layer, plan, dtype) + 256 * 2**20  # plus the network, buffers
    free = available_memory(device)
    if needed > free:
        kind = str(dtype).removeprefix("torch.")
        raise UserError(
            f"dreaming {plan.title}'s {layer} over {width}x{height} px at once in {kind} needs about "
            f"{needed / GIB:.1f} GiB but {device} has {free / GIB:.1f} GiB free: tile the gradient with a "
            "smaller dream.tile_pixels and dream.tile (e.g. dream.tile_pixels=1000000 dream.tile=512), "
            "or render a smaller frame"
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
