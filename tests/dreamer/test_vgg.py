import pytest
import torch
from torch import nn

from pipeline.dreamer.layers import VGG19, conv_layer_names, vgg19_taps
from pipeline.dreamer.networks import check_layer
from pipeline.dreamer.vgg import FeatureTaps, build_vgg19_features
from pipeline.errors import UserError


def test_sixteen_conv_layers_named_in_order():
    expected = [f"conv{b}_{c}" for b, n in [(1, 2), (2, 2), (3, 4), (4, 4), (5, 4)] for c in range(1, n + 1)]
    assert conv_layer_names() == expected


def test_every_conv_name_taps_the_relu_right_after_its_conv():
    features = build_vgg19_features()
    taps = vgg19_taps()
    convs = [i for i, m in enumerate(features) if isinstance(m, nn.Conv2d)]
    assert len(convs) == 16
    for name, conv_index in zip(conv_layer_names(), convs):
        assert taps[name] == conv_index + 1
        assert isinstance(features[taps[name]], nn.ReLU)
        assert taps[name.replace("conv", "relu")] == taps[name]
    assert [taps[f"pool{b}"] for b in range(1, 6)] == [
        i for i, m in enumerate(features) if isinstance(m, nn.MaxPool2d)
    ]


def test_strides_and_deepest():
    assert VGG19.stride("conv1_1") == 1
    assert VGG19.stride("conv3_1") == 4
    assert VGG19.stride("conv5_4") == 16
    # poolN's own output is halved too: N pools shrink the image by the time it leaves poolN
    assert [VGG19.stride(f"pool{n}") for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert VGG19.deepest(["conv3_1", "conv5_2", "conv4_4"]) == "conv5_2"


def test_unknown_layer_lists_the_valid_names():
    with pytest.raises(UserError) as caught:
        check_layer(VGG19, "conv6_1", "layer_schedule.layer")
    message = str(caught.value)
    assert "conv6_1" in message and "conv1_1" in message and "conv5_4" in message
    assert "\n" not in message


def test_forward_stops_at_the_deepest_requested_layer():
    torch.manual_seed(0)
    taps = FeatureTaps(build_vgg19_features().eval())
    ran = []
    for index, module in enumerate(taps.features):
        module.register_forward_hook(lambda *_, index=index: ran.append(index))
    activations = taps(torch.rand(1, 3, 32, 32), ["conv2_1", "conv1_2"])
    assert max(ran) == vgg19_taps()["conv2_1"]
    assert set(activations) == {"conv2_1", "conv1_2"}
    assert activations["conv2_1"].shape == (1, 128, 16, 16)
    assert (activations["conv1_2"] >= 0).all()  # a ReLU output


def test_aliases_requested_together_both_come_back():
    taps = FeatureTaps(build_vgg19_features()[:4])
    activations = taps(torch.rand(1, 3, 16, 16), ["conv1_2", "relu1_2"])
    assert torch.equal(activations["conv1_2"], activations["relu1_2"])
