"""One network's plan without torch: its stack of stages, the layer names that tap it, and what a layer
implies (channels, smallest input, receptive field, stride, memory, FLOPs), computed from the stages.

Everything that takes a layer asks its network's plan (pipeline.dreamer.networks holds them and checks
names), so a channel or size the network does not have is refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from pipeline.dreamer import ops

LARGEST_SIDE = 8192  # pixels: min_side searches no further (every network here needs under 100)


@dataclass(frozen=True, eq=False)
class NetworkPlan:
    name: str  # model.name: vgg19 | inception_v3 | googlenet
    title: str  # the name people write, for messages: VGG19, Inception v3, GoogLeNet
    stages: tuple[tuple[str, ops.Op], ...]  # the features stack in forward order: (module name, its op)
    taps: Mapping[str, int]  # every accepted layer name (aliases too) -> the stage whose output it is
    layers: tuple[str, ...]  # the main layer names, shallow to deep (stills' layers=all, messages)
    aliases: str  # how the other accepted names read, for messages
    stills: tuple[str, ...]  # stills' layers=default: three depths worth comparing
    default_layer: str  # the layer one-layer tools pick (the bench's --layer)
    presets: tuple[str, ...]  # layer_schedule presets written in this network's layers

    def knows(self, name: str) -> bool:
        return name in self.taps

    def index(self, name: str) -> int:
        """The stage `name` taps (aliases resolved); its output is the activation dreamed."""
        return self.taps[name]

    def deepest(self, names: Iterable[str]) -> str:
        """The layer furthest into the network, which decides where the forward pass may stop."""
        return max(names, key=self.index)

    def ops_to(self, name: str) -> tuple[ops.Op, ...]:
        return tuple(op for _, op in self.stages[: self.index(name) + 1])

    def width(self, name: str) -> int:
        """How many channels the activation `name` has."""
        return ops.path_channels(self.ops_to(name), 3)

    def out_size(self, name: str, n: int, axis: int) -> int:
        """The activation's length along `axis` (0 rows, 1 columns) for an input of n pixels; 0: too small."""
        return ops.path_size(self.ops_to(name), n, axis)

    def min_side(self, name: str) -> int:
        """The fewest pixels per side an input may have for `name` to have one position."""
        return _min_side(self, name)

    def field(self, name: str) -> tuple[int, int]:
        """(receptive field in pixels, the larger of the two axes; total stride) of the activation."""
        return _field(self, name)

    def stride(self, name: str) -> int:
        return self.field(name)[1]

    def activation_values(self, name: str, height: int, width: int) -> int:
        """Values the forward pass to `name` allocates for a height x width input (autograd keeps them)."""
        return _count(self, name, height, width, ops.allocated)

    def forward_flops(self, name: str, height: int, width: int) -> int:
        """Convolution FLOPs (2 per multiply-add) of one forward pass to `name`."""
        return _count(self, name, height, width, ops.conv_flops)


def tap_indices(stages, layers, aliases: Mapping[str, str]) -> dict[str, int]:
    """{layer name or alias: the index of the stage whose output it is}, for a plan's `taps`."""
    index = {name: position for position, (name, _) in enumerate(stages)}
    return {
        **{name: index[name] for name in layers},
        **{alias: index[name] for alias, name in aliases.items()},
    }


@cache
def _min_side(plan: NetworkPlan, name: str) -> int:
    path = plan.ops_to(name)
    for side in range(1, LARGEST_SIDE):
        if min(ops.path_size(path, side, axis) for axis in (0, 1)) >= 1:
            return side
    raise ValueError(f"{plan.title} {name}: no input up to {LARGEST_SIDE} px reaches it")


@cache
def _field(plan: NetworkPlan, name: str) -> tuple[int, int]:
    reaches = [ops.path_reach(plan.ops_to(name), axis) for axis in (0, 1)]
    return max(r[1] for r in reaches), reaches[0][2]


def _count(plan: NetworkPlan, name: str, height: int, width: int, count) -> int:
    total, c, h, w = 0, 3, height, width
    for op in plan.ops_to(name):
        amount, c, h, w = count(op, c, h, w)
        total += amount
    return total
