"""VGG19's feature stack, and feature taps for any network's: named activations, with the forward pass stopped
at the deepest layer asked for."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from pipeline.dreamer.layers import POOL, VGG19, VGG19_PLAN
from pipeline.dreamer.plan import NetworkPlan


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


class FeatureTaps(nn.Module):
    """Callable `taps(image, layers) -> {layer: activation}` over a (possibly truncated) feature stack of
    the network `plan` describes (VGG19's unless told), aliases included.

    The forward pass runs only up to the deepest layer asked for in that call, so shallow stages of a
    schedule cost a fraction of a full pass.
    """

    def __init__(self, features: nn.Sequential, plan: NetworkPlan = VGG19):
        super().__init__()
        self.features, self.plan = features, plan  # the plan: for tiles (receptive field, stride)
        self.taps = {name: i for name, i in plan.taps.items() if i < len(features)}

    def forward(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        wanted: dict[int, list[str]] = {}
        for name in layers:
            wanted.setdefault(self.taps[name], []).append(name)
        activations: dict[str, torch.Tensor] = {}
        x = image  # (N, 3, H, W), ImageNet-normalised (a network trained otherwise converts it first)
        for index, module in enumerate(self.features[: max(wanted) + 1]):
            x = module(x)
            for name in wanted.get(index, ()):
                activations[name] = x
        return activations
