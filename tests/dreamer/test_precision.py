import pytest
import torch

from pipeline.dreamer import precision
from pipeline.dreamer.ascent import objective
from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.load import random_features
from pipeline.dreamer.precision import Autocast, cpu_has_native_bf16, resolve_precision
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.errors import UserError

CPU = torch.device("cpu")


def _input_gradient(features, image):
    x = image.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(objective(x, features, {"conv4_2": 1.0}) * x[0, 0].numel(), x)
    return grad.flatten()


def test_bf16_gradient_points_the_same_way_as_fp32():
    taps = FeatureTaps(random_features(0)[: vgg19_taps()["conv4_2"] + 1]).to(
        memory_format=torch.channels_last
    )
    image = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    exact = _input_gradient(Autocast(taps, CPU, torch.float32), image)
    low = _input_gradient(Autocast(taps, CPU, torch.bfloat16), image)
    assert not torch.equal(exact, low)  # bf16 really ran
    assert torch.nn.functional.cosine_similarity(exact, low, dim=0) >= 0.95


def test_auto_picks_bf16_only_where_the_cpu_runs_it_natively():
    expected = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    assert resolve_precision("auto", CPU) == expected
    assert resolve_precision("fp32", CPU) == torch.float32
    assert resolve_precision("bf16", CPU) == torch.bfloat16


def test_bad_precisions_are_refused():
    with pytest.raises(UserError, match="auto, fp32, bf16, fp16"):
        resolve_precision("fp8", CPU)
    with pytest.raises(UserError, match="GPUs"):
        resolve_precision("fp16", CPU)


@pytest.mark.parametrize(
    "capability, expected",
    [((6, 1), torch.float16), ((7, 0), torch.float16), ((7, 5), torch.float16), ((8, 0), torch.bfloat16),
     ((8, 6), torch.bfloat16), ((9, 0), torch.bfloat16)],
)  # fmt: skip
def test_auto_on_cuda_follows_the_compute_capability(monkeypatch, capability, expected):
    """T4 (7.5), V100 (7.0), RTX 20xx (7.5): fp16; A100 (8.0) and newer: bf16. Asked of the device in use."""
    asked = []
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # emulation counts here
    monkeypatch.setattr(
        torch.cuda, "get_device_capability", lambda device=None: asked.append(device) or capability
    )
    assert resolve_precision("auto", torch.device("cuda", 1)) == expected
    assert asked == [torch.device("cuda", 1)]


@pytest.fixture
def mac(monkeypatch):
    def on(torch_version: str, macos: str):
        monkeypatch.setattr(torch, "__version__", torch_version)
        monkeypatch.setattr(precision.platform, "mac_ver", lambda: (macos, ("", "", ""), "arm64"))

    return on


MPS = torch.device("mps")


def test_auto_on_mps_is_fp32(mac):
    mac("2.14.0", "15.1")
    assert resolve_precision("auto", MPS) == torch.float32


@pytest.mark.parametrize(
    "torch_version, macos, name, works",
    [("2.4.1", "14.5", "fp16", False), ("2.5.0", "13.6", "fp16", True), ("2.5.1", "14.5", "bf16", False),
     ("2.6.0", "13.6", "bf16", False), ("2.6.0", "14.0", "bf16", True), ("2.14.0", "15.1", "bf16", True)],
)  # fmt: skip
def test_mps_lower_precision_only_where_torch_and_macos_run_it(mac, torch_version, macos, name, works):
    mac(torch_version, macos)
    if works:
        assert resolve_precision(name, MPS) == precision.PRECISIONS[name]
    else:
        with pytest.raises(UserError, match=f"precision={name} on mps needs") as caught:
            resolve_precision(name, MPS)
        assert "\n" not in str(caught.value) and "fp32" in str(caught.value)


@pytest.mark.parametrize("network, layer", [("inception_v3", "Mixed_6a"), ("googlenet", "inception4c")])
def test_bf16_and_channels_last_work_for_inception_v3_and_googlenet(network, layer):
    """Autocast and the channels_last layout reach every conv of every branch (torch.cat of channels_last
    branches included): the bf16 input gradient points where fp32's does."""
    from pipeline.dreamer.load import load_taps
    from pipeline.dreamer.settings import ModelConfig

    taps = load_taps(ModelConfig(name=network, weights="random"), 0, layer, CPU)
    convs = [m for m in taps.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(m.weight.is_contiguous(memory_format=torch.channels_last) for m in convs)
    image = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))

    def gradient(features):
        x = image.detach().clone().contiguous(memory_format=torch.channels_last).requires_grad_(True)
        (grad,) = torch.autograd.grad(objective(x, features, {layer: 1.0}) * 4096, x)
        return grad.flatten()

    exact, low = gradient(Autocast(taps, CPU, torch.float32)), gradient(Autocast(taps, CPU, torch.bfloat16))
    assert not torch.equal(exact, low) and low.isfinite().all()
    assert torch.nn.functional.cosine_similarity(exact, low, dim=0) >= 0.95
