import pytest
import torch

from pipeline.dreamer.ascent import objective
from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.precision import Autocast, cpu_has_native_bf16, resolve_precision
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.dreamer.weights import random_features
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
