"""VGG19 feature taps: named ReLU outputs, with the forward pass stopped at the deepest layer asked for."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import torch
from torch import nn
from torchvision.models import vgg as tv_vgg

from pipeline.errors import UserError

# VGG19 is torchvision's configuration "E": 16 convs in 5 blocks, each block closed by a max-pool.
VGG19_PLAN = tv_vgg.cfgs["E"]


def build_vgg19_features() -> nn.Sequential:
    """VGG19's `features` stack as torchvision builds it (no classifier: dreaming never uses it)."""
    return tv_vgg.make_layers(VGG19_PLAN, batch_norm=False)


def tap_indices(features: nn.Sequential) -> dict[str, int]:
    """Name every tappable module by walking the network: convB_C / reluB_C (the ReLU after that conv)
    and poolB. Deriving the names from the modules keeps them true to whatever the stack holds."""
    names: dict[str, int] = {}
    block, conv = 1, 0
    for index, module in enumerate(features):
        if isinstance(module, nn.Conv2d):
            conv += 1
        elif isinstance(module, nn.ReLU):
            # torchvision's ReLUs are in-place: the conv's own output is overwritten, so "conv4_2"
            # means the activation after its ReLU, as in the original DeepDream.
            names[f"conv{block}_{conv}"] = index
            names[f"relu{block}_{conv}"] = index
        elif isinstance(module, nn.MaxPool2d):
            names[f"pool{block}"] = index
            block, conv = block + 1, 0
    return names


@cache
def vgg19_taps() -> dict[str, int]:
    """Tap name -> module index for VGG19, built on the meta device (no memory, no weights)."""
    with torch.device("meta"):
        return tap_indices(build_vgg19_features())


def conv_layer_names() -> list[str]:
    """The 16 conv layers, shallow to deep: the names a layer schedule is usually written in."""
    return [name for name in vgg19_taps() if name.startswith("conv")]


def check_layer_name(name: str, setting: str = "layer") -> None:
    """Fail before anything runs, listing the valid names."""
    if name not in vgg19_taps():
        raise UserError(
            f"{setting}: unknown VGG19 layer {name!r}; valid layers are {', '.join(conv_layer_names())} "
            "(reluB_C is an alias of convB_C; pool1..pool5 are also accepted)"
        )


def pools_before(name: str) -> int:
    """How many 2x max-pools shrink the image before `name`: sets the smallest frame that layer can see."""
    index = vgg19_taps()[name]
    return sum(1 for pool, i in vgg19_taps().items() if pool.startswith("pool") and i < index)


def deepest(names: Iterable[str]) -> str:
    """The layer furthest into the network, which decides where the forward pass may stop."""
    return max(names, key=lambda name: vgg19_taps()[name])


class FeatureTaps(nn.Module):
    """Callable `taps(image, layers) -> {layer: activation}` over a (possibly truncated) VGG19 stack.

    The forward pass runs only up to the deepest layer asked for in that call, so shallow stages of a
    schedule cost a fraction of a full pass.
    """

    def __init__(self, features: nn.Sequential):
        super().__init__()
        self.features = features
        self.taps = {name: i for name, i in tap_indices(features).items() if i < len(features)}

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


@cache
def layer_width(name: str) -> int:
    """How many channels the tap `name` has (VGG19: 64, 128, 256, 512, 512 by block), read from the
    last conv at or before it."""
    with torch.device("meta"):
        features = build_vgg19_features()
    convs = [m for m in features[: vgg19_taps()[name] + 1] if isinstance(m, nn.Conv2d)]
    return convs[-1].out_channels
