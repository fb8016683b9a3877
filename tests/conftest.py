"""Shared fixtures: the real Hydra config shrunk to tiny sizes, and a toy network for dreamer mechanics."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from torch import nn

from pipeline.config import CONF_DIR, RenderConfig, register_configs

# Small enough for 2 CPU cores, big enough for conv5 layers at 2 octaves.
TINY = [
    "model.weights=random",
    "precision=fp32",  # CPUs with native bf16 would dream in bf16 under auto: pin what bytes depend on
    "width=64",
    "height=48",
    "frames=2",
    "dream.octaves=2",
    "dream.steps=2",
    "dream.jitter=4",
    "video.preset=ultrafast",
]


# What each network needs on top of TINY: Inception v3's unpadded stem needs 43 px at Mixed_6a..Mixed_6c
# (its deep_inception_v3 dive), so its smallest octave of 2 at 1.4 needs a 64 px short side.
NETWORK_TINY = {
    "vgg19": ["model=vgg19"],
    "googlenet": ["model=googlenet"],
    "inception_v3": ["model=inception_v3", "width=96", "height=64"],
}


def network_of_preset(preset: str) -> str:
    """The network a layer_schedule preset is written for: deep_googlenet -> googlenet; VGG19's have none."""
    return next((name for name in NETWORK_TINY if preset.endswith(f"_{name}")), "vgg19")


def compose_config(*overrides: str) -> RenderConfig:
    """Compose the real conf/ (schema, presets, defaults list) with TINY then `overrides` on top."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="render", overrides=[*TINY, *overrides])
    return OmegaConf.to_object(cfg)


def pytest_collection_modifyitems(config, items):
    """`gpu` tests need CUDA and `mps` tests Apple's Metal backend: skipped cleanly where absent."""
    missing = {
        "gpu": None if torch.cuda.is_available() else "needs a CUDA device",
        "mps": None if torch.backends.mps.is_available() else "needs Apple's MPS backend",
    }
    for item in items:
        for marker, reason in missing.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def click_wav(tmp_path_factory):
    """4 s of metronome clicks at 120 BPM (the first at 0.3 s): a soundtrack for music renders."""
    from tests.sources.test_music import click_track

    return click_track(tmp_path_factory.mktemp("music") / "clicks.wav", 120, 4.0)[0]


@pytest.fixture
def tiny_config():
    return compose_config


class ToyFeatures(nn.Module):
    """Two seeded conv layers named like taps: the dreamer sees the same interface as VGG19's."""

    def __init__(self) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.first = nn.Conv2d(3, 8, 3, padding=1)
        self.second = nn.Conv2d(8, 8, 3, padding=1, stride=2)
        with torch.no_grad():
            for conv in (self.first, self.second):
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * 0.3)
                conv.bias.zero_()
        self.requires_grad_(False)

    def forward(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        first = torch.relu(self.first(image))
        second = torch.relu(self.second(first))
        available = {"first": first, "second": second}
        return {name: available[name] for name in layers}


@pytest.fixture
def toy_features() -> ToyFeatures:
    return ToyFeatures()
