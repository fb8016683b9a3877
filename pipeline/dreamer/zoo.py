"""What torch needs to know of each network: how to build its feature stack, seed untrained weights the way
torchvision does, which ImageNet file it loads, and which parts of that file DeepDream drops."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torchvision.models import GoogLeNet_Weights, Inception_V3_Weights, VGG19_Weights, WeightsEnum

from pipeline.dreamer.inception import (
    build_googlenet_features,
    build_inception_v3_features,
    truncated_normal_init,
)
from pipeline.dreamer.vgg import build_vgg19_features


def kaiming_init(features: nn.Module, generator: torch.Generator) -> None:
    """torchvision's VGG init, seeded: Kaiming normal (fan-out) conv weights, zero biases."""
    with torch.no_grad():
        for module in features.modules():
            if isinstance(module, nn.Conv2d):
                fan_out = module.out_channels * module.kernel_size[0] * module.kernel_size[1]
                module.weight.normal_(0.0, math.sqrt(2.0 / fan_out), generator=generator)
                module.bias.zero_()


@dataclass(frozen=True)
class Recipe:
    build: Callable[[], nn.Sequential]  # the untrained feature stack, module for module as the plan
    randomise: Callable[[nn.Module, torch.Generator], None]  # untrained weights from a seeded generator
    imagenet: WeightsEnum  # torchvision's ImageNet weights (url, file name, size)
    prefix: str = ""  # what torchvision's full state dict puts before the stack's keys ("features.")
    dropped: tuple[str, ...] = ()  # key prefixes of the parts DeepDream never runs (classifier, aux heads)


RECIPES = {
    "vgg19": Recipe(
        build_vgg19_features, kaiming_init, VGG19_Weights.IMAGENET1K_V1, "features.", ("classifier.",)
    ),
    "inception_v3": Recipe(
        build_inception_v3_features,
        truncated_normal_init,
        Inception_V3_Weights.IMAGENET1K_V1,
        dropped=("AuxLogits.", "fc."),
    ),
    "googlenet": Recipe(
        build_googlenet_features,
        truncated_normal_init,
        GoogLeNet_Weights.IMAGENET1K_V1,
        dropped=("aux1.", "aux2.", "fc."),
    ),
}
