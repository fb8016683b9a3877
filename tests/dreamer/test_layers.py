"""Our torch-free plan of VGG19 against torchvision's own network, module by module."""

import pytest
from torch import nn
from torchvision.models import vgg19

from pipeline.dreamer.layers import VGG19_PLAN, vgg19_taps
from pipeline.dreamer.vgg import build_vgg19_features


def _signature(module: nn.Module) -> tuple:
    """What makes two modules of the stack the same: kind, and a conv's or pool's geometry."""
    if isinstance(module, nn.Conv2d):
        return ("conv", module.in_channels, module.out_channels, module.kernel_size, module.stride,
                module.padding, module.bias is not None)  # fmt: skip
    if isinstance(module, nn.MaxPool2d):
        return ("pool", module.kernel_size, module.stride, module.padding, module.ceil_mode)
    if isinstance(module, nn.ReLU):
        return ("relu", module.inplace)
    return (type(module).__name__,)


@pytest.fixture(scope="module")
def torchvision_features() -> nn.Sequential:
    return vgg19(weights=None).features  # architecture only: no download


def test_our_network_is_torchvisions_module_for_module(torchvision_features):
    ours = build_vgg19_features()
    assert [_signature(m) for m in ours] == [_signature(m) for m in torchvision_features]
    theirs = {key: value.shape for key, value in torchvision_features.state_dict().items()}
    assert {key: value.shape for key, value in ours.state_dict().items()} == theirs  # weights load unchanged


def test_the_tap_names_point_at_torchvisions_relus_and_pools(torchvision_features):
    modules = list(torchvision_features)
    convs = [i for i, m in enumerate(modules) if isinstance(m, nn.Conv2d)]
    pools = [i for i, m in enumerate(modules) if isinstance(m, nn.MaxPool2d)]
    taps = vgg19_taps()
    assert sorted(taps[name] for name in taps if name.startswith("conv")) == [i + 1 for i in convs]
    assert all(isinstance(modules[taps[name]], nn.ReLU) for name in taps if name.startswith("relu"))
    assert [taps[f"pool{block}"] for block in range(1, 6)] == pools
    assert len(VGG19_PLAN) == len(convs) + len(pools)
