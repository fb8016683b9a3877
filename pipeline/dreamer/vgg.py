"""VGG19 feature taps: named ReLU outputs, with the forward pass stopped at the deepest layer asked for."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from pipeline.dreamer.layers import POOL, VGG19_PLAN, vgg19_taps


def build_vgg19_features() -> nn.Sequential:
    """VGG19's `features` stack from our own plan (no classifier: dreaming never uses it), module for
    module as torchvision lays it out, so its state dicts ("features.0.weight", ...) load unchanged."""
    modules: list[nn.Module] = []
    channels = 3
    for entry in VGG19_PLAN:
        if entry == POOL:
            modules.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            modules += [nn.Conv2d(channels, int(entry), kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = int(entry)
    return nn.Sequential(*modules)


def pools_before(name: str) -> int:
    """How many 2x max-pools shrink the image before `name`: sets the smallest frame that layer can see."""
    index = vgg19_taps()[name]
    return sum(1 for pool, i in vgg19_taps().items() if pool.startswith("pool") and i < index)


class FeatureTaps(nn.Module):
    """Callable `taps(image, layers) -> {layer: activation}` over a (possibly truncated) VGG19 stack.

    The forward pass runs only up to the deepest layer asked for in that call, so shallow stages of a
    schedule cost a fraction of a full pass.
    """

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features
        self.taps = {name: i for name, i in vgg19_taps().items() if i < len(features)}

    def forward(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        wanted: dict[int, list[str]] = {}
        for name in layers:
            wanted.setdefault(self.taps[name], []).append(name)
        activations: dict[str, torch.Tensor] = {}
        x = image  # (N, 3, H, W), ImageNet-normalised
        for index, module in enumerate(self.features[: max(wanted) + 1]):
            x = module(x)
            for name in wanted.get(index, ()):
                activations[name] = x
        return activations
