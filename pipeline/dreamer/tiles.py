"""The input gradient of a large image computed tile by tile, equal to the whole-image gradient.

Memory then depends on the tile, not the frame: a 4K frame dreams in the memory of a ~1024 px one. Each
tile runs with a margin of one receptive field around it, and its window starts on the network's output
grid (a multiple of its total stride), so every activation that reaches the tile's pixels is computed
exactly as in the whole image; only the tile's own pixels of each gradient are kept. This holds for any
network the plan describes, strided unpadded convolutions and ceil-mode pools included (Inception v3,
GoogLeNet): tests/dreamer/test_tiles.py compares the tiles with the whole-image gradient for each.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.networks import NETWORKS
from pipeline.dreamer.objective import Objective, as_objective, score_map
from pipeline.dreamer.plan import NetworkPlan
from pipeline.dreamer.settings import Features


def tile_geometry(plan: NetworkPlan, layer: str) -> tuple[int, int]:
    """(margin, alignment) for the network cut at `layer`: one receptive field rounded up to the output
    grid, and the grid itself (the total stride), so windows stride exactly where the whole image does."""
    field, stride = plan.field(layer)
    return math.ceil(field / stride) * stride, stride


def plan_of(features: Features, layers: list[str]) -> NetworkPlan:
    """The network behind a features callable: the one it carries (FeatureTaps and Autocast do), else the
    network whose layers these are (no two networks share a layer name), else VGG19's (a toy network)."""
    carried = getattr(features, "plan", None)
    if carried is not None:
        return carried
    return next((plan for plan in NETWORKS.values() if all(plan.knows(name) for name in layers)), VGG19)


def _spans(length: int, tile: int, margin: int, align: int) -> list[tuple[int, int, int, int]]:
    """(start, stop) of each tile's core and of its window; windows start on the output grid."""
    spans = []
    for start in range(0, length, tile):
        stop = min(length, start + tile)
        spans.append((start, stop, max(0, (start - margin) // align * align), min(length, stop + margin)))
    return spans


def _core(start: int, stop: int, window_start: int, stride: int) -> slice:
    """The activations a tile owns, in its window's indices: those whose grid point (index x stride)
    falls in the core, so the tiles share out every position of the whole image exactly once."""
    return slice(-(-start // stride) - window_start // stride, -(-stop // stride) - window_start // stride)


def tiled_gradient(
    image: torch.Tensor, features: Features, layer_weights: Mapping[str, float] | Objective, tile: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(d(objective)/d(image) times the pixel count, objective), as ascent_step computes them whole.

    The objective is a weighted mean over positions of per-position scores; per tile it is the sum over
    the tile's window divided by the *whole* image's position count, so the kept parts add up exactly.
    (A guide's best match is per position, so it tiles too: tiles see the same guide vectors.)
    """
    height, width = image.shape[-2:]
    goal = as_objective(layer_weights)
    plan = plan_of(features, goal.layers())
    margin, align = tile_geometry(plan, plan.deepest(goal.layers()))
    grad, value = torch.zeros_like(image), torch.zeros((), device=image.device)
    for top, bottom, y0, y1 in _spans(height, tile, margin, align):
        for left, right, x0, x1 in _spans(width, tile, margin, align):
            window = image[..., y0:y1, x0:x1].detach().requires_grad_(True)
            activations = features(window, goal.layers())
            total = 0.0
            for term in goal.terms:
                stride = plan.stride(term.layer)
                score = score_map(activations[term.layer], term)  # (N, h, w)
                count = plan.out_size(term.layer, height, 0) * plan.out_size(term.layer, width, 1)
                total = total + term.weight * score.sum() / count
                # the objective itself: only the scores the tile owns, so tiles partition it
                core = score[..., _core(top, bottom, y0, stride), _core(left, right, x0, stride)]
                value += term.weight * core.detach().sum() / count
            (piece,) = torch.autograd.grad(total * height * width, window)
            grad[..., top:bottom, left:right] = piece[..., top - y0 : bottom - y0, left - x0 : right - x0]
    return grad, value
