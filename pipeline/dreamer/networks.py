"""The networks a dream can use (`model=vgg19 | inception_v3 | googlenet`), without torch: each one's plan,
and the layer checks that name the chosen network's own layers.

`model.weights=standin` (Inception v3 only) is a trained Keras InceptionV3 whose ImageNet features end at
Mixed_6c (mixed5): the layers it may dream are known here too, so a deeper one is refused at compose time.
"""

from __future__ import annotations

from enum import Enum
from functools import cache

from pipeline.dreamer.googlenet_plan import GOOGLENET
from pipeline.dreamer.inception_plan import INCEPTION_V3
from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.plan import NetworkPlan
from pipeline.errors import UserError


class NetworkName(Enum):
    """model.name: which network dreams (the `model` config group picks one)."""

    vgg19 = "vgg19"
    inception_v3 = "inception_v3"
    googlenet = "googlenet"


NETWORKS: dict[str, NetworkPlan] = {plan.name: plan for plan in (VGG19, INCEPTION_V3, GOOGLENET)}
STANDIN = "standin"  # model.weights=standin: pipeline.dreamer.standin's trained Inception v3
STANDIN_DEEPEST = "Mixed_6c"  # its last layer with ImageNet features (Keras mixed5)


def network(name: NetworkName | str) -> NetworkPlan:
    key = name.value if isinstance(name, NetworkName) else str(name)
    if key not in NETWORKS:
        raise UserError(f"model.name must be one of {', '.join(NETWORKS)}, got {key!r}")
    return NETWORKS[key]


def check_layer(plan: NetworkPlan, name: str, setting: str, weights: str = "", hint: str = "") -> None:
    """Refuse, in one line, a layer the network (or, with weights=standin, its trained part) lacks. A name
    from another network says whose it is; `hint` adds what the caller can offer (its presets)."""
    if not plan.knows(name):
        others = [other for other in NETWORKS.values() if other is not plan and other.knows(name)]
        whose = f"; {name} is a {others[0].title} layer (model={others[0].name})" if others else ""
        raise UserError(
            f"{setting}: unknown {plan.title} layer {name!r}; valid layers are {', '.join(plan.layers)} "
            f"({plan.aliases}){whose}{hint}"
        )
    if weights == STANDIN and name not in standin_layers():
        trained = plan.layers[: plan.layers.index(STANDIN_DEEPEST) + 1]
        raise UserError(
            f"{setting}: {name} lies past the trained stand-in's ImageNet layers (model.weights=standin "
            f"ends at {STANDIN_DEEPEST} = mixed5); dream {trained[0]} .. {STANDIN_DEEPEST} (or mixed0 .. "
            "mixed5), or use model.weights=imagenet for the deeper ones"
        )


def presets_hint(plan: NetworkPlan) -> str:
    """For schedule messages: the presets written in this network's layers."""
    return f"; {plan.title}'s layer_schedule presets: {', '.join(plan.presets)}"


@cache
def standin_layers() -> tuple[str, ...]:
    """Every name model.weights=standin accepts (Inception v3's up to Mixed_6c, aliases included)."""
    deepest = INCEPTION_V3.index(STANDIN_DEEPEST)
    return tuple(name for name, index in INCEPTION_V3.taps.items() if index <= deepest)
