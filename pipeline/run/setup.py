"""The dreaming network a render or the stills build once: its checks first, then device, precision and
weights, and the one log line that says what it runs on.

Checks come before loading, so a setting that cannot work fails in a second, not after reading 548 MB.
What depends on the network (its smallest input, receptive field, memory) comes from the model's plan.
"""

from __future__ import annotations

import logging

import torch

from pipeline.config import DreamerConfig
from pipeline.dreamer.device import configure_backends, resolve_device
from pipeline.dreamer.dreamer import Network
from pipeline.dreamer.load import load_taps
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.precision import Autocast, resolve_precision
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.dreamer.tiles import tile_geometry
from pipeline.run.preflight import check_memory

log = logging.getLogger(__name__)


def check_dreamer(cfg: DreamerConfig, height: int, width: int, deepest: str, octaves: int) -> torch.device:
    """The device, once the pyramid fits the deepest layer and its largest pass fits in memory."""
    plan = cfg.model.network
    check_pyramid(height, width, octaves, cfg.dream.octave_scale, deepest, plan)
    device = resolve_device(cfg.device)
    margin, _ = tile_geometry(plan, deepest)
    dtype = resolve_precision(cfg.precision, device)  # bf16/fp16 activations take half the memory
    check_memory(height, width, deepest, cfg.dream.tile_pixels, cfg.dream.tile, margin, device, plan, dtype)
    return device


def load_network(cfg: DreamerConfig, device: torch.device, deepest: str) -> Network:
    """The network up to `deepest`, loaded once: each call of it stops at the deepest layer it is asked
    for, so shallow layers cost no more than they would alone."""
    dtype = resolve_precision(cfg.precision, device)
    taps = Autocast(load_taps(cfg.model, cfg.seed, deepest, device), device, dtype)
    configure_backends(device, cfg.deterministic)  # else cuDNN benchmark mode picks its fastest kernels
    log.info(
        "dreaming with %s on %s (%s), up to layer %s",
        cfg.model.network.title,
        device,
        str(dtype).removeprefix("torch."),
        deepest,
    )
    return Network(taps, PixelSpace.imagenet(device), device)
