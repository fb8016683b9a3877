"""Inception v3's layer plan without torch: torchvision's `inception_v3` stages up to Mixed_7c, and the
Keras names people know them by (mixed0 ... mixed10).

Szegedy et al. (2015), "Rethinking the Inception Architecture for Computer Vision". The stem's convs and
max-pools have no padding and the reduction blocks (Mixed_6a, Mixed_7a) stride 2 without padding, so each
side shrinks faster than it halves: Mixed_7c needs 75 px. tests/dreamer/test_plans.py checks every conv
against torchvision's modules and the sizes against real forward passes.
"""

from __future__ import annotations

from pipeline.dreamer.ops import Branches, Pointwise, Pool, conv
from pipeline.dreamer.plan import NetworkPlan, tap_indices

SAME_AVERAGE = Pool("avg", 3, 1, 1)  # the branch_pool of blocks A, C, E (F.avg_pool2d in torchvision)
REDUCE = Pool("max", 3, 2)  # the stem's max-pools and the reduction blocks' pool branch


def block_a(pool_features: int) -> Branches:  # torchvision's InceptionA
    return Branches(
        (
            (conv(64, 1),),
            (conv(48, 1), conv(64, 5, padding=2)),
            (conv(64, 1), conv(96, 3, padding=1), conv(96, 3, padding=1)),
            (SAME_AVERAGE, conv(pool_features, 1)),
        )
    )


def block_b() -> Branches:  # InceptionB: the reduction to 17x17 (at 299 px)
    return Branches(
        (
            (conv(384, 3, stride=2),),
            (conv(64, 1), conv(96, 3, padding=1), conv(96, 3, stride=2)),
            (REDUCE,),
        )
    )


def block_c(c7: int) -> Branches:  # InceptionC: factorised 7x7 convolutions
    row, column = lambda c: conv(c, (1, 7), padding=(0, 3)), lambda c: conv(c, (7, 1), padding=(3, 0))  # noqa: E731
    return Branches(
        (
            (conv(192, 1),),
            (conv(c7, 1), row(c7), column(192)),
            (conv(c7, 1), column(c7), row(c7), column(c7), row(192)),
            (SAME_AVERAGE, conv(192, 1)),
        )
    )


def block_d() -> Branches:  # InceptionD: the reduction to 8x8
    return Branches(
        (
            (conv(192, 1), conv(320, 3, stride=2)),
            (
                conv(192, 1),
                conv(192, (1, 7), padding=(0, 3)),
                conv(192, (7, 1), padding=(3, 0)),
                conv(192, 3, stride=2),
            ),
            (REDUCE,),
        )
    )


def block_e() -> Branches:  # InceptionE: 1x3 and 3x1 side by side, concatenated
    split = Branches(((conv(384, (1, 3), padding=(0, 1)),), (conv(384, (3, 1), padding=(1, 0)),)))
    return Branches(
        (
            (conv(320, 1),),
            (conv(384, 1), split),
            (conv(448, 1), conv(384, 3, padding=1), split),
            (SAME_AVERAGE, conv(192, 1)),
        )
    )


STAGES = (
    ("transform_input", Pointwise(inplace=False)),  # ImageNet-normalised -> the [-1, 1] it was trained on
    ("Conv2d_1a_3x3", conv(32, 3, stride=2)),
    ("Conv2d_2a_3x3", conv(32, 3)),
    ("Conv2d_2b_3x3", conv(64, 3, padding=1)),
    ("maxpool1", REDUCE),
    ("Conv2d_3b_1x1", conv(80, 1)),
    ("Conv2d_4a_3x3", conv(192, 3)),
    ("maxpool2", REDUCE),
    ("Mixed_5b", block_a(32)),
    ("Mixed_5c", block_a(64)),
    ("Mixed_5d", block_a(64)),
    ("Mixed_6a", block_b()),
    ("Mixed_6b", block_c(128)),
    ("Mixed_6c", block_c(160)),
    ("Mixed_6d", block_c(160)),
    ("Mixed_6e", block_c(192)),
    ("Mixed_7a", block_d()),
    ("Mixed_7b", block_e()),
    ("Mixed_7c", block_e()),
)
LAYERS = tuple(name for name, _ in STAGES if name.startswith(("Conv2d", "Mixed")))
MIXED = tuple(name for name in LAYERS if name.startswith("Mixed"))
KERAS = {
    f"mixed{number}": name for number, name in enumerate(MIXED)
}  # mixed0 = Mixed_5b ... mixed10 = Mixed_7c

INCEPTION_V3 = NetworkPlan(
    name="inception_v3",
    title="Inception v3",
    stages=STAGES,
    taps=tap_indices(STAGES, LAYERS, KERAS),
    layers=LAYERS,
    aliases="Keras's mixed0..mixed10 are aliases of Mixed_5b..Mixed_7c",
    stills=("Mixed_5d", "Mixed_6a", "Mixed_6c"),  # mixed2, mixed3, mixed5: all within the trained stand-in
    default_layer="Mixed_6a",  # mixed3, the TensorFlow DeepDream tutorial's layer
    presets=("deep_inception_v3",),
)
