"""The octave pyramid: its sizes, and a check whose limit is exactly where the network itself breaks."""

import pytest
import torch

from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.load import random_features
from pipeline.dreamer.pyramid import check_pyramid, octave_sizes
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.errors import UserError


@pytest.fixture(scope="module")
def vgg():
    return FeatureTaps(random_features(0))


def test_octave_sizes_are_rounded_divisions_smallest_first():
    # 100 / 1.5 = 66.67 -> 67, 100 / 2.25 = 44.44 -> 44; 30 / 1.5 = 20, 30 / 2.25 = 13.33 -> 13
    assert octave_sizes(30, 100, 3, 1.5) == [(13, 44), (20, 67), (30, 100)]
    assert octave_sizes(30, 100, 1, 1.5) == [(30, 100)]


def test_octave_sizes_never_reach_zero():
    assert octave_sizes(3, 5, 4, 10.0)[0] == (1, 1)


@pytest.mark.parametrize("pool", [3, 4, 5])
def test_pool_layers_dream_at_the_smallest_size_the_check_accepts(vgg, pool):
    """poolN halves the image N times: 2**N px per side is the least it can see, and the check agrees
    (pool1 and pool2 are bounded by the smoothing blur's 5 px instead: see the test below)."""
    layer, side = f"pool{pool}", 2**pool
    check_pyramid(side, side + 3, 1, 1.4, layer)
    activation = vgg(torch.randn(1, 3, side, side + 3), [layer])[layer]
    assert activation.shape[-2:] == (1, (side + 3) // side)
    with pytest.raises(UserError, match=layer):
        check_pyramid(side - 1, side + 3, 1, 1.4, layer)


def test_the_network_really_fails_below_the_size_the_check_refuses(vgg):
    """The refusal is not over-cautious: one pixel less and pool5 crashes inside torch."""
    with pytest.raises(RuntimeError):
        vgg(torch.randn(1, 3, 31, 40), ["pool5"])


@pytest.mark.parametrize("layer, side", [("conv5_4", 16), ("relu4_1", 8)])
def test_conv_layers_need_one_pixel_after_the_pools_before_them(vgg, layer, side):
    check_pyramid(side, side, 1, 1.4, layer)
    assert vgg(torch.randn(1, 3, side, side), [layer])[layer].shape[-2:] == (1, 1)
    if side > 1:
        with pytest.raises(UserError):
            check_pyramid(side - 1, side - 1, 1, 1.4, layer)


def test_pool5_too_small_is_refused_naming_what_would_fit():
    # 40 px short side at 3 octaves of 1.4: 40 / 1.96 = 20 px < 32; 2 octaves: 29 px < 32; 1 octave fits
    with pytest.raises(UserError) as caught:
        check_pyramid(40, 64, 3, 1.4, "pool5")
    message = str(caught.value)
    assert "\n" not in message
    assert "dream.octaves=3" in message and "64x40" in message and "33x20" in message
    assert "pool5 needs at least 32 px" in message
    assert "use dream.octaves=1 or fewer" in message
    assert "at least 63 px on its short side" in message  # 32 * 1.4 ** 2 = 62.7


def test_no_pyramid_fits_a_frame_smaller_than_the_layer():
    with pytest.raises(UserError, match="use a larger frame") as caught:
        check_pyramid(20, 64, 2, 1.5, "pool5")
    assert "dream.octaves=1 or fewer" not in str(caught.value)
    assert "at least 48 px on its short side" in str(caught.value)  # 32 * 1.5


def test_advice_names_the_largest_pyramid_that_fits():
    # 128 px over 6 octaves of 1.4: 128, 91, 65, 47, 33, 24 px; pool5 needs 32, conv5_1 (4 pools) 16
    with pytest.raises(UserError, match="use dream.octaves=5 or fewer"):
        check_pyramid(128, 128, 6, 1.4, "pool5")
    check_pyramid(128, 128, 5, 1.4, "pool5")
    check_pyramid(128, 128, 6, 1.4, "conv5_1")


def test_every_tap_name_is_checked_by_its_own_depth():
    """Tapping the deepest layer decides: each block's pool needs twice what its convs need."""
    for block in range(1, 6):
        side = max(2**block, 5)  # the smoothing blur needs 5 px at any depth
        check_pyramid(side, side, 1, 1.4, f"pool{block}")
        assert vgg19_taps()[f"pool{block}"] > vgg19_taps()[f"conv{block}_1"]


@pytest.mark.parametrize("layer", ["conv1_1", "conv2_1", "pool1", "pool2"])
def test_shallow_layers_are_bounded_by_the_smoothing_blur_not_the_pools(layer):
    """The 9-tap blur pads 4 px by reflection: 5 px per side is the least any level may have."""
    check_pyramid(5, 5, 1, 1.4, layer)
    with pytest.raises(UserError, match="at least 5 px"):
        check_pyramid(4, 5, 1, 1.4, layer)
