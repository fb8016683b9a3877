"""A deliberately plain DeepDream, kept only as the benchmark's yardstick: the way the original project runs.

Same maths as pipeline.dreamer.ascent (octaves, detail carry, jitter, smoothing, normalisation, clamp),
none of its care: fp32, NCHW, the network's whole feature stack (VGG19's `features`) run every step, weights
with gradients on, and `loss.backward()` filling weight gradients that are never used. Not used by renders.
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.transforms.v2 import functional as tvf

from pipeline.dreamer.ascent import resize
from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.plan import NetworkPlan
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.settings import DreamParams


def reference_dream(
    image: torch.Tensor,
    features: nn.Sequential,
    layer: str,
    cfg: DreamParams,
    generator: torch.Generator,
    space: PixelSpace,
    plan: NetworkPlan = VGG19,
) -> torch.Tensor:
    features.requires_grad_(True)
    tap = plan.index(layer)
    height, width = image.shape[-2:]
    bases = [resize(image, size) for size in octave_sizes(height, width, cfg.octaves, cfg.octave_scale)]
    detail = torch.zeros_like(bases[0])
    for base in bases:
        dreamed = base + resize(detail, tuple(base.shape[-2:]))
        for step in range(cfg.steps):
            dy, dx = torch.randint(-cfg.jitter, cfg.jitter + 1, (2,), generator=generator).tolist()
            rolled = torch.roll(dreamed, shifts=(dy, dx), dims=(-2, -1)).detach().requires_grad_(True)
            x, activation = rolled, None
            for index, module in enumerate(features):  # the full network, every time
                x = module(x)
                if index == tap:
                    activation = x.clone()
            features.zero_grad()
            loss = activation.pow(2).mean()
            loss.backward()
            grad = three_blurs(rolled.grad, cfg.smoothing + 2.0 * (step + 1) / cfg.steps)
            grad = (grad - grad.mean()) / (grad.std() + 1e-8)
            dreamed = space.clamp(
                torch.roll(rolled.detach() + cfg.lr * grad, shifts=(-dy, -dx), dims=(-2, -1))
            )
        detail = dreamed - base
    return dreamed


def three_blurs(grad: torch.Tensor, sigma: float) -> torch.Tensor:
    """The smoothing cascade written out plainly: three Gaussian blurs (sigma x 0.5, 1, 2; 9 taps, reflect
    borders), averaged. The dreamer runs the same linear filter as one convolution (dreamer/smoothing.py)."""
    blurs = [
        tvf.gaussian_blur(grad, kernel_size=[9, 9], sigma=[s, s]) for s in (0.5 * sigma, sigma, 2 * sigma)
    ]
    return sum(blurs) / 3.0
