"""Loading Inception v3 and GoogLeNet through VGG19's path: seeded random weights, torchvision's full state
dict (aux heads and classifier dropped), refusals naming the network, the offline message, truncation, the
input conversion they were trained on, and the wiring to the trained stand-in."""

import sys
import types
from urllib.error import URLError

import numpy as np
import pytest
import torch
from torchvision.models import googlenet, inception_v3

from pipeline.dreamer.inception import TransformInput
from pipeline.dreamer.load import cached_features, load_features, load_taps, random_features
from pipeline.dreamer.networks import NETWORKS
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.settings import ModelConfig
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.errors import UserError

NEW = ["inception_v3", "googlenet"]
FILES = {"inception_v3": "inception_v3_google-0cc3c7bd.pth", "googlenet": "googlenet-1378be20.pth"}
CPU = torch.device("cpu")


def _same(a, b) -> bool:
    return all(
        torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    )


@pytest.mark.parametrize("name", NEW)
def test_random_weights_are_seeded_and_keep_every_layer_dreamable(name):
    """He-scaled normal conv weights: every layer's mean square stays near 1. (torchvision's fixed 0.01
    left GoogLeNet's inception4c at 5e-17, and a dream there moved no pixel: its gradient fell below the
    normalisation's epsilon; its 0.1 grew Inception v3's Mixed_7c to 6e14, past fp16.)"""
    assert _same(random_features(3, name), random_features(3, name))
    assert not _same(random_features(3, name), random_features(4, name))
    plan = NETWORKS[name]
    with torch.no_grad():
        activations = FeatureTaps(random_features(3, name), plan)(torch.randn(1, 3, 100, 100), plan.layers)
    assert all(1e-4 < activation.pow(2).mean().item() < 1e2 for activation in activations.values())
    conv = next(m for m in random_features(3, name).modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.std().item() == pytest.approx((2 / conv.weight[0].numel()) ** 0.5, rel=0.1)


@pytest.mark.parametrize("name", NEW)
def test_torchvisions_full_state_dict_loads_with_aux_heads_and_classifier_dropped(tmp_path, name):
    build = {"inception_v3": inception_v3, "googlenet": googlenet}[name]
    model = build(weights=None, aux_logits=True, init_weights=True)  # the ImageNet file's layout
    path = tmp_path / FILES[name]
    torch.save(model.state_dict(), path)
    features = load_features(ModelConfig(name=name, weights=str(path)), seed=0)
    ours = features.state_dict()
    assert all(torch.equal(value, model.state_dict()[key]) for key, value in ours.items())
    assert not features.training and not any(p.requires_grad for p in features.parameters())


@pytest.mark.parametrize("name", NEW)
def test_another_networks_file_is_refused_naming_the_network(tmp_path, name):
    path = tmp_path / "vgg19.pth"
    torch.save(random_features(0, "vgg19").state_dict(), path)
    title = NETWORKS[name].title
    with pytest.raises(UserError, match=f"does not fit {title}'s features.*model={name}") as caught:
        load_features(ModelConfig(name=name, weights=str(path)), seed=0)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("name", NEW)
def test_offline_imagenet_names_the_networks_file_url_and_place(tmp_path, monkeypatch, name):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(
        torch.hub, "download_url_to_file", lambda *a, **k: (_ for _ in ()).throw(URLError("off"))
    )
    with pytest.raises(UserError) as caught:
        load_features(ModelConfig(name=name, weights="imagenet"), seed=0)
    message = str(caught.value)
    assert f"https://download.pytorch.org/models/{FILES[name]}" in message
    assert str(tmp_path / "hub" / "checkpoints" / FILES[name]) in message and NETWORKS[name].title in message


@pytest.mark.parametrize("name, layer", [("inception_v3", "mixed2"), ("googlenet", "inception_3b")])
def test_taps_run_only_as_deep_as_the_deepest_layer(name, layer):
    plan = NETWORKS[name]
    taps = load_taps(ModelConfig(name=name, weights="random"), 0, layer, CPU)
    assert (
        len(taps.features) == plan.index(layer) + 1
        and list(taps.features.named_children())[-1][0] == (plan.stages[plan.index(layer)][0])
    )
    assert taps(torch.zeros(1, 3, 64, 64), [layer])[layer].shape[1] == plan.width(layer)


def test_the_process_cache_tells_networks_apart():
    vgg = cached_features(ModelConfig(weights="random"), 0)
    assert cached_features(ModelConfig(name="googlenet", weights="random"), 0) is not vgg
    assert len(cached_features(ModelConfig(name="googlenet", weights="random"), 0)) == len(
        NETWORKS["googlenet"].stages
    )


def test_frames_reach_inception_and_googlenet_in_the_minus_one_to_one_they_were_trained_on():
    """torchvision's transform_input, from the ImageNet-normalised pixels every network dreams in: so a
    step of dream.lr moves pixels the same for every network (0.226 of the [0, 1] range per unit)."""
    frame = np.random.default_rng(0).random((8, 10, 3), dtype=np.float32)
    converted = TransformInput()(PixelSpace.imagenet().encode(frame))
    expected = torch.from_numpy(frame).permute(2, 0, 1)[None] * 2 - 1
    assert torch.allclose(converted, expected, atol=1e-6)
    assert TransformInput().state_dict() == {}  # nothing to load: the weights' keys stay torchvision's


@pytest.fixture
def fake_standin(monkeypatch):
    """A stand-in module with the agreed interface (the real one is another developer's): records calls."""
    calls = []
    module = types.ModuleType("pipeline.dreamer.standin")
    module.STANDIN_DEEPEST = "Mixed_6c"
    seeded = random_features(9, "inception_v3")
    trained = {key: value for key, value in seeded.state_dict().items() if not key.startswith(("Mixed_6d",
               "Mixed_6e", "Mixed_7"))}  # fmt: skip
    module.load_standin_state_dict = lambda: calls.append("load") or trained
    module.keras_average_pools = lambda model: calls.append(("pools", type(model).__name__, len(model)))
    module.check_standin_layer = lambda name: calls.append(("check", name))
    monkeypatch.setitem(sys.modules, "pipeline.dreamer.standin", module)
    return calls, seeded


def test_weights_standin_loads_the_stand_in_up_to_mixed_6c_with_keras_pools(fake_standin):
    calls, seeded = fake_standin
    cfg = ModelConfig(name="inception_v3", weights="standin")
    features = load_features(cfg, seed=0)
    plan = NETWORKS["inception_v3"]
    assert len(features) == plan.index("Mixed_6c") + 1 and not features.training
    assert calls == ["load", ("pools", "Sequential", len(features))]
    assert all(torch.equal(v, seeded.state_dict()[k]) for k, v in features.state_dict().items())
    load_taps(cfg, 0, "mixed3", CPU)
    assert calls[2] == (
        "check",
        "Mixed_6a",
    )  # the stand-in's own check, before loading, sees torchvision's name


def test_the_real_stand_in_agrees_with_the_registry():
    standin = pytest.importorskip("pipeline.dreamer.standin")
    from pipeline.dreamer.networks import STANDIN_DEEPEST

    assert standin.STANDIN_DEEPEST == STANDIN_DEEPEST
    with pytest.raises(UserError):
        standin.check_standin_layer("Mixed_6d")
