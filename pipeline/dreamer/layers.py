"""VGG19's layer plan and names, without torch: what a config may name is known before the network exists.

VGG19 is configuration "E" of Simonyan & Zisserman (2014), "Very Deep Convolutional Networks for
Large-Scale Image Recognition": sixteen 3x3 convolutions (padding 1) in five blocks, each conv followed by
a ReLU and each block closed by a 2x2 max-pool. tests/dreamer/test_layers.py checks this plan against
torchvision's `vgg19().features`, module by module, so the state dict keys line up with its weights.
"""

from __future__ import annotations

from functools import cache

from pipeline.dreamer import ops
from pipeline.dreamer.plan import NetworkPlan

POOL = "M"
# Output channels of each block's convs (the paper's table 1, column E); a max-pool closes every block.
VGG19_BLOCKS = ((64, 64), (128, 128), (256,) * 4, (512,) * 4, (512,) * 4)
# The convs' output channels, POOL for each max-pool, in order.
VGG19_PLAN: tuple[int | str, ...] = tuple(item for block in VGG19_BLOCKS for item in (*block, POOL))


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


def _stages() -> tuple[tuple[str, ops.Op], ...]:
    """The `features` stack as plan stages, named by their index as in torchvision's state dict."""
    steps: list[ops.Op] = []
    for entry in VGG19_PLAN:
        if entry == POOL:
            steps.append(ops.Pool("max", kernel=2, stride=2))
        else:
            steps += [ops.Conv(int(entry), (3, 3), padding=(1, 1), norm=False), ops.Pointwise(inplace=True)]
    return tuple((str(index), step) for index, step in enumerate(steps))


VGG19 = NetworkPlan(
    name="vgg19",
    title="VGG19",
    stages=_stages(),
    taps=vgg19_taps(),
    layers=tuple(conv_layer_names()),
    aliases="reluB_C is an alias of convB_C; pool1..pool5 are also accepted",
    stills=("conv3_2", "conv4_2", "conv5_1"),
    default_layer="conv4_2",
    presets=("deep", "deep_vgg19", "shallow", "cycle", "all_layers", "bars", "single"),
)
