"""The input gradient of a large image computed tile by tile, equal to the whole-image gradient.

Memory then depends on the tile, not the frame: a 4K frame dreams in the memory of a ~1024 px one. Each
tile runs with a margin of one receptive field around it and starts on the pooling grid, so every
activation that reaches the tile's pixels is computed exactly as in the whole image; only the tile's own
pixels of each gradient are kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

import torch
from torch import nn

from pipeline.dreamer.layers import deepest, vgg19_taps
from pipeline.dreamer.settings import Features
from pipeline.dreamer.vgg import build_vgg19_features, pools_before


def receptive_field(features: nn.Sequential) -> tuple[int, int]:
    """(receptive field in pixels, total stride) at the end of `features`, from the modules' own sizes."""
    field, stride = 1, 1
    for module in features:
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d)):
            kernel = module.kernel_size if isinstance(module.kernel_size, int) else module.kernel_size[0]
            step = module.stride if isinstance(module.stride, int) else module.stride[0]
            field += (kernel - 1) * stride
            stride *= step
    return field, stride


@cache
def tile_geometry(layer: str) -> tuple[int, int]:
    """(margin, alignment) for VGG19 cut at `layer`: one receptive field rounded up to the pooling grid,
    and the grid (2 ** pools), so pooling windows fall exactly where they do in the whole image."""
    with torch.device("meta"):
        field, stride = receptive_field(build_vgg19_features()[: vgg19_taps()[layer] + 1])
    return math.ceil(field / stride) * stride, stride


def _spans(length: int, tile: int, margin: int, align: int) -> list[tuple[int, int, int, int]]:
    """(start, stop) of each tile's core and of its window; windows start on the pooling grid."""
    spans = []
    for start in range(0, length, tile):
        stop = min(length, start + tile)
        spans.append((start, stop, max(0, (start - margin) // align * align), min(length, stop + margin)))
    return spans


def tiled_gradient(
    image: torch.Tensor, features: Features, layer_weights: Mapping[str, float], tile: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(d(objective)/d(image) times the pixel count, objective), as ascent_step computes them whole.

    The objective is a weighted mean of squared activations; per tile it is the sum over the tile's
    window divided by the *whole* image's activation count, so the kept parts add up exactly.
    """
    height, width = image.shape[-2:]
    margin, align = tile_geometry(deepest(layer_weights))
    grad, value = torch.zeros_like(image), torch.zeros((), device=image.device)
    for top, bottom, y0, y1 in _spans(height, tile, margin, align):
        for left, right, x0, x1 in _spans(width, tile, margin, align):
            window = image[..., y0:y1, x0:x1].detach().requires_grad_(True)
            activations = features(window, layer_weights.keys())
            total = 0.0
            for name, weight in layer_weights.items():
                stride = 1 << pools_before(name)
                act = activations[name].float()
                count = act.shape[1] * (height // stride) * (width // stride)
                total = total + weight * act.pow(2).sum() / count
                # the objective itself: only the activations of the tile's core, so tiles partition it
                core = act[..., (top - y0) // stride : (bottom - y0) // stride,
                           (left - x0) // stride : (right - x0) // stride]  # fmt: skip
                value += weight * core.detach().pow(2).sum() / count
            (piece,) = torch.autograd.grad(total * height * width, window)
            grad[..., top:bottom, left:right] = piece[..., top - y0 : bottom - y0, left - x0 : right - x0]
    return grad, value
