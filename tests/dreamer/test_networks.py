"""The network registry without torch: aliases, the one-line layer checks (stand-in limits included), the
pyramid's and channels' limits per network, and ModelConfig's choices."""

import pytest

from pipeline.dreamer.channels import check_channels
from pipeline.dreamer.googlenet_plan import GOOGLENET
from pipeline.dreamer.inception_plan import INCEPTION_V3
from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.networks import NETWORKS, STANDIN_DEEPEST, check_layer, standin_layers
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.dreamer.settings import ModelConfig
from pipeline.errors import UserError

KERAS = dict(mixed0="Mixed_5b", mixed1="Mixed_5c", mixed2="Mixed_5d", mixed3="Mixed_6a", mixed4="Mixed_6b",
             mixed5="Mixed_6c", mixed6="Mixed_6d", mixed7="Mixed_6e", mixed8="Mixed_7a", mixed9="Mixed_7b",
             mixed10="Mixed_7c")  # fmt: skip


def test_keras_and_caffe_names_are_aliases_of_torchvisions():
    assert {alias: INCEPTION_V3.index(alias) for alias in KERAS} == {
        alias: INCEPTION_V3.index(name) for alias, name in KERAS.items()
    }
    assert INCEPTION_V3.layers[:5] == ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1",
                                       "Conv2d_4a_3x3")  # fmt: skip
    assert INCEPTION_V3.layers[5:] == tuple(KERAS.values())
    for block in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"):
        assert GOOGLENET.index(f"inception_{block}") == GOOGLENET.index(f"inception{block}")
    assert GOOGLENET.layers[:3] == ("conv1", "conv2", "conv3") and len(GOOGLENET.layers) == 12


def test_widths_are_the_concatenated_branches():
    inception = ("Mixed_5b", "Mixed_5d", "Mixed_6a", "Mixed_7a", "mixed10")
    assert [INCEPTION_V3.width(name) for name in inception] == [256, 288, 768, 1280, 2048]
    googlenet = ("inception3a", "inception_4c", "inception4e", "inception5b")
    assert [GOOGLENET.width(name) for name in googlenet] == [256, 512, 832, 1024]


@pytest.mark.parametrize(
    "plan, name, fragments",
    [
        (GOOGLENET, "conv4_2", ["unknown GoogLeNet layer 'conv4_2'", "conv1, conv2", "inception5b",
                                "conv4_2 is a VGG19 layer (model=vgg19)"]),
        (INCEPTION_V3, "inception4c", ["unknown Inception v3 layer", "Mixed_7c", "mixed0..mixed10",
                                       "a GoogLeNet layer (model=googlenet)"]),
        (VGG19, "Mixed_5b", ["unknown VGG19 layer 'Mixed_5b'", "conv5_4", "model=inception_v3"]),
        (GOOGLENET, "inception9z", ["inception_3a..inception_5b are aliases"]),
    ],
)  # fmt: skip
def test_a_layer_the_network_lacks_is_one_line_naming_its_layers_and_whose_it_is(plan, name, fragments):
    with pytest.raises(UserError) as caught:
        check_layer(plan, name, "layer_schedule.layer")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("layer_schedule.layer: ")
    assert all(fragment in message for fragment in fragments), message


def test_the_stand_in_dreams_only_its_trained_layers():
    for name in ("Conv2d_1a_3x3", "Mixed_6c", "mixed5", "mixed0"):
        check_layer(INCEPTION_V3, name, "layers", weights="standin")
    for name in ("Mixed_6d", "mixed6", "Mixed_7c"):
        with pytest.raises(UserError, match=f"layers: {name} lies past the trained stand-in's.*Mixed_6c"):
            check_layer(INCEPTION_V3, name, "layers", weights="standin")
        check_layer(INCEPTION_V3, name, "layers", weights="imagenet")  # the ImageNet file has them all
    assert KERAS["mixed5"] == STANDIN_DEEPEST and standin_layers()[-1] == "mixed5"
    assert ModelConfig(name="inception_v3", weights="standin").dreamable_layers()[-1] == "Mixed_6c"


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"name": "googlenet", "weights": "standin"}, "use it with model=inception_v3"),
        ({"weights": "standin"}, "model=vgg19 takes imagenet, random or a .pth path"),
        ({"name": "resnet50"}, "model.name must be one of vgg19, inception_v3, googlenet"),
    ],
)
def test_model_settings_that_cannot_work_are_refused(kwargs, fragment):
    with pytest.raises(UserError, match=fragment):
        ModelConfig(**kwargs)


@pytest.mark.parametrize(
    "plan, layer, side",
    [(INCEPTION_V3, "Mixed_7c", 75), (INCEPTION_V3, "mixed3", 43), (GOOGLENET, "inception5b", 15)],
)
def test_the_pyramid_limit_is_the_networks_own(plan, layer, side):
    check_pyramid(side, side + 10, 1, 1.4, layer, plan)
    with pytest.raises(
        UserError, match=f"{plan.title}'s {layer} needs at least {side} px per side"
    ) as caught:
        check_pyramid(side - 1, side + 10, 1, 1.4, layer, plan)
    assert "\n" not in str(caught.value)


def test_a_channel_past_the_layers_width_names_the_network_and_its_range():
    check_channels(GOOGLENET, "inception_4c", (0, 511), "channels")
    with pytest.raises(
        UserError, match=r"GoogLeNet's inception_4c has channels 0..511 \(512 wide\), so \[512\]"
    ):
        check_channels(GOOGLENET, "inception_4c", (3, 512), "channels")
    with pytest.raises(UserError, match=r"Inception v3's mixed10 has channels 0..2047"):
        check_channels(INCEPTION_V3, "mixed10", (2048,), "channels")


def test_every_network_has_its_presets_stills_and_default_layer():
    for plan in NETWORKS.values():
        assert plan.default_layer in plan.layers and set(plan.stills) <= set(plan.layers)
        assert plan.presets and all(plan.knows(name) for name in plan.taps)
