"""GoogLeNet's layer plan without torch: torchvision's `googlenet` stages up to inception5b, and the names
of Google's Caffe model (inception_4c: the layer the original DeepDream notebook dreamed).

Szegedy et al. (2014), "Going Deeper with Convolutions". torchvision's version has two quirks kept here
because its ImageNet weights depend on them: the "5x5" branch is a 3x3 conv (pytorch/vision#906), and
every max-pool rounds up (ceil_mode), so a last, partial window still counts.
"""

from __future__ import annotations

from pipeline.dreamer.ops import Branches, Pointwise, Pool, conv
from pipeline.dreamer.plan import NetworkPlan, tap_indices


def block(ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int, pool_proj: int) -> Branches:
    """torchvision's Inception(in_channels, ...) block, its arguments in the same order (less the input)."""
    return Branches(
        (
            (conv(ch1x1, 1),),
            (conv(ch3x3red, 1), conv(ch3x3, 3, padding=1)),
            (conv(ch5x5red, 1), conv(ch5x5, 3, padding=1)),
            (Pool("max", 3, 1, 1, ceil=True), conv(pool_proj, 1)),
        )
    )


def reduce(kernel: int = 3) -> Pool:
    return Pool("max", kernel, 2, ceil=True)


STAGES = (
    ("transform_input", Pointwise(inplace=False)),  # ImageNet-normalised -> the [-1, 1] it was trained on
    ("conv1", conv(64, 7, stride=2, padding=3)),
    ("maxpool1", reduce()),
    ("conv2", conv(64, 1)),
    ("conv3", conv(192, 3, padding=1)),
    ("maxpool2", reduce()),
    ("inception3a", block(64, 96, 128, 16, 32, 32)),
    ("inception3b", block(128, 128, 192, 32, 96, 64)),
    ("maxpool3", reduce()),
    ("inception4a", block(192, 96, 208, 16, 48, 64)),
    ("inception4b", block(160, 112, 224, 24, 64, 64)),
    ("inception4c", block(128, 128, 256, 24, 64, 64)),
    ("inception4d", block(112, 144, 288, 32, 64, 64)),
    ("inception4e", block(256, 160, 320, 32, 128, 128)),
    ("maxpool4", reduce(2)),
    ("inception5a", block(256, 160, 320, 32, 128, 128)),
    ("inception5b", block(384, 192, 384, 48, 128, 128)),
)
LAYERS = tuple(name for name, _ in STAGES if name.startswith(("conv", "inception")))
CAFFE = {
    f"inception_{name.removeprefix('inception')}": name for name in LAYERS if name.startswith("inception")
}

GOOGLENET = NetworkPlan(
    name="googlenet",
    title="GoogLeNet",
    stages=STAGES,
    taps=tap_indices(STAGES, LAYERS, CAFFE),
    layers=LAYERS,
    aliases="Caffe's inception_3a..inception_5b are aliases of inception3a..inception5b",
    stills=("inception3b", "inception4c", "inception4e"),
    default_layer="inception4c",  # the original DeepDream notebook's inception_4c/output
    presets=("deep_googlenet",),
)
