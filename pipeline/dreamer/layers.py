"""VGG19's layer plan and names, without torch: what a config may name is known before the network exists.

VGG19 is configuration "E" of Simonyan & Zisserman (2014), "Very Deep Convolutional Networks for
Large-Scale Image Recognition": sixteen 3x3 convolutions (padding 1) in five blocks, each conv followed by
a ReLU and each block closed by a 2x2 max-pool. tests/dreamer/test_layers.py checks this plan against
torchvision's `vgg19().features`, module by module, so the state dict keys line up with its weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pipeline.errors import UserError

POOL = "M"
# Output channels of each conv, POOL for each max-pool, in order (the paper's table 1, column E).
VGG19_PLAN: tuple[int | str, ...] = (
    64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL,
    512, 512, 512, 512, POOL, 512, 512, 512, 512, POOL,
)  # fmt: skip


@cache
def vgg19_taps() -> dict[str, int]:
    """Tap name -> index in the `features` stack (conv, ReLU, pool modules in the plan's order):
    convB_C / reluB_C is the ReLU after that conv, poolB the block's max-pool.

    torchvision's ReLUs are in-place: the conv's own output is overwritten, so "conv4_2" means the
    activation after its ReLU, as in the original DeepDream."""
    names: dict[str, int] = {}
    index, block, conv = 0, 1, 0
    for entry in VGG19_PLAN:
        if entry == POOL:
            names[f"pool{block}"] = index
            index, block, conv = index + 1, block + 1, 0
            continue
        conv += 1
        names[f"conv{block}_{conv}"] = names[f"relu{block}_{conv}"] = index + 1  # the ReLU after the conv
        index += 2
    return names


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


def deepest(names: Iterable[str]) -> str:
    """The layer furthest into the network, which decides where the forward pass may stop."""
    return max(names, key=lambda name: vgg19_taps()[name])
