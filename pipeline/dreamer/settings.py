"""What the dreamer is told, checked without torch: the network and weights to load, the device and
precision names, and the plain numbers of one dream. Config schemas import these; the modules that act on
them import torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pipeline.dreamer.networks import STANDIN, STANDIN_DEEPEST, NetworkName, check_layer, network
from pipeline.dreamer.plan import NetworkPlan
from pipeline.errors import UserError

DEVICE_PATTERN = re.compile(r"auto|cpu|mps|cuda(:\d+)?")
DEVICE_CHOICES = "auto, cpu, cuda, cuda:N or mps"
PRECISION_NAMES = ("fp32", "bf16", "fp16")

# What the dreamer dreams with: image (N, 3, H, W) and layer names -> {layer: activation}. The network's taps
# in production, a toy net in tests. (Quoted: the type names torch, which this module does not import.)
Features = Callable[["torch.Tensor", Iterable[str]], dict[str, "torch.Tensor"]]  # noqa: F821
LayerWeights = Mapping[str, float]  # layer name -> weight in the objective (or a dreamer.objective.Objective)


def check_device_name(name: str) -> None:
    if not DEVICE_PATTERN.fullmatch(name):
        raise UserError(f"device must be one of {DEVICE_CHOICES}, got {name!r}")


def check_precision_name(name: str) -> None:
    if name != "auto" and name not in PRECISION_NAMES:
        raise UserError(f"precision must be one of auto, {', '.join(PRECISION_NAMES)}, got {name!r}")


@dataclass
class ModelConfig:
    name: NetworkName = (
        NetworkName.vgg19
    )  # which network dreams: vgg19 | inception_v3 | googlenet (model=...)
    # imagenet (torchvision's file, downloaded once) | random (seeded, untrained: tests) | a .pth path |
    # standin (inception_v3 only: the trained Keras InceptionV3, `python -m pipeline.weights standin`)
    weights: str = "imagenet"
    sha256: str | None = None  # optional hex digest the weights file must match

    def __post_init__(self) -> None:
        if self.name not in {*NetworkName, *(name.value for name in NetworkName)}:
            choices = ", ".join(name.value for name in NetworkName)
            raise UserError(f"model.name must be one of {choices} (or model=...), got {self.name!r}")
        self.name = NetworkName(self.name)  # a plain string (code, tests) becomes the Enum Hydra gives
        if not self.weights:
            raise UserError(
                'model.weights is empty: use "imagenet", "random", a path to a .pth file, or "standin" '
                "(model=inception_v3)"
            )
        if self.weights == STANDIN and self.name is not NetworkName.inception_v3:
            raise UserError(
                f"model.weights=standin is a trained Inception v3: use it with model=inception_v3 "
                f"(model={self.name.value} takes imagenet, random or a .pth path)"
            )
        if self.sha256 is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", self.sha256):
            raise UserError(f"model.sha256 must be 64 hex digits, got {self.sha256!r}")

    @property
    def network(self) -> NetworkPlan:
        return network(self.name)

    def dreamable_layers(self) -> tuple[str, ...]:
        """The network's layers, shallow to deep, that these weights can dream (the stand-in's end early)."""
        layers = self.network.layers
        return layers[: layers.index(STANDIN_DEEPEST) + 1] if self.weights == STANDIN else layers

    def check_layer(self, name: str, setting: str, hint: str = "") -> None:
        """The layer must be the network's (and, for the stand-in, within its trained layers)."""
        check_layer(self.network, name, setting, self.weights, hint)


@dataclass(frozen=True)
class DreamParams:
    """The numbers one image is dreamed with (the `dream.*` settings resolved for one frame; units as
    documented on DreamConfig)."""

    octaves: int = 4  # pyramid levels
    octave_scale: float = 1.4  # size ratio between levels
    steps: int = 10  # gradient-ascent steps per level
    lr: float = 0.09  # step size, ImageNet-normalised pixel units
    jitter: int = 32  # largest random roll, pixels
    smoothing: float = 0.5  # base sigma of the gradient smoothing, pixels
    tile_pixels: int = 2_500_000  # pixels of a level above which its gradient is tiled
    tile: int = 1024  # tile side, pixels (a multiple of 16)
