"""Inception v3 and GoogLeNet as feature stacks: torchvision's own modules in forward order, up to the last
block, without the aux heads, pooling, dropout and classifier that DeepDream never uses.

Their ImageNet weights were trained on images in [-1, 1] (ported from TensorFlow: torchvision's
`transform_input=True`), the trained Keras stand-in too. The dreamer works in ImageNet-normalised pixels
for every network, so `dream.lr` and the pixel clamp mean the same everywhere; the stack's first module
turns that into [-1, 1] (torchvision's formula, per channel), so frames reach each network as it expects.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import nn
from torchvision.models import GoogLeNet_Weights, googlenet, inception_v3

from pipeline.dreamer.googlenet_plan import GOOGLENET
from pipeline.dreamer.inception_plan import INCEPTION_V3
from pipeline.dreamer.plan import NetworkPlan


class TransformInput(nn.Module):
    """ImageNet-normalised input -> 2 * x - 1 of the [0, 1] image, what torchvision's `transform_input` does:
    x * std / 0.5 + (mean - 0.5) / 0.5, channel by channel. No weights: its state dict is empty."""

    def __init__(self) -> None:
        super().__init__()
        preset = GoogLeNet_Weights.IMAGENET1K_V1.transforms()  # the statistics the frames are encoded with
        mean = torch.tensor(preset.mean).view(1, 3, 1, 1)
        std = torch.tensor(preset.std).view(1, 3, 1, 1)
        self.register_buffer("scale", std / 0.5, persistent=False)
        self.register_buffer("shift", (mean - 0.5) / 0.5, persistent=False)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return image * self.scale + self.shift


def _stack(model: nn.Module, plan: NetworkPlan) -> nn.Sequential:
    """The plan's stages taken from torchvision's model by name, so state dict keys stay torchvision's."""
    children = dict(model.named_children())
    modules = [
        (name, TransformInput() if name == "transform_input" else children[name]) for name, _ in plan.stages
    ]
    return nn.Sequential(OrderedDict(modules))


def build_inception_v3_features() -> nn.Sequential:
    """Conv2d_1a_3x3 .. Mixed_7c (and the stem's two max-pools), untrained."""
    return _stack(inception_v3(weights=None, aux_logits=False, init_weights=False), INCEPTION_V3)


def build_googlenet_features() -> nn.Sequential:
    """conv1 .. inception5b (and the max-pools between), untrained."""
    return _stack(googlenet(weights=None, aux_logits=False, init_weights=False), GOOGLENET)


def truncated_normal_init(features: nn.Module, generator: torch.Generator) -> None:
    """Seeded untrained weights in torchvision's style for these networks (each conv's weight from a normal
    cut at +-2, batch norms the identity: weight 1, bias 0, mean 0, variance 1), with He's standard
    deviation sqrt(2 / fan-in) instead of torchvision's fixed 0.1 (Inception v3) and 0.01 (GoogLeNet).

    torchvision's values assume training, where batch norm rescales every batch; with the identity batch
    norms of an untrained network in eval mode they shrink GoogLeNet's activations ~100x per block (mean
    square 4e-24 at inception5b, where the dreamer's normalisation epsilon stops the dream) and grow
    Inception v3's ~10x (6e14 at Mixed_7c, past fp16's range). He's keeps every layer near 1."""
    with torch.no_grad():
        for module in features.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.in_channels * module.kernel_size[0] * module.kernel_size[1]
                nn.init.trunc_normal_(
                    module.weight, 0.0, math.sqrt(2.0 / fan_in), -2.0, 2.0, generator=generator
                )
            elif isinstance(module, nn.BatchNorm2d):
                module.reset_parameters()
