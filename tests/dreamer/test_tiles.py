import pytest
import torch

from pipeline.dreamer.ascent import objective
from pipeline.dreamer.layers import VGG19, vgg19_taps
from pipeline.dreamer.load import random_features
from pipeline.dreamer.networks import NETWORKS
from pipeline.dreamer.tiles import tile_geometry, tiled_gradient
from pipeline.dreamer.vgg import FeatureTaps


def _whole_gradient(features, image, weights):
    x = image.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(objective(x, features, weights) * x[0, 0].numel(), x)
    return grad


def test_receptive_field_of_vgg19_layers():
    # conv3_1: 1 + 2 + 2 (block 1) + 1 (pool) + 4 + 4 (block 2) + 2 (pool) + 8 (conv3_1) = 24, stride 4
    assert VGG19.field("conv3_1") == (24, 4)
    assert tile_geometry(VGG19, "conv4_2") == (88, 8)


@pytest.mark.parametrize(
    "weights, size, tile",
    [
        ({"conv3_1": 1.0}, (84, 100), 32),  # sizes that are not multiples of the tile or the grid
        ({"conv2_2": 0.5, "conv3_2": 1.0}, (66, 72), 16),
        # pool layers: poolN's output is already halved N times (issue 11: counted one pool short)
        ({"pool1": 1.0}, (40, 52), 16),
        ({"pool2": 1.0}, (84, 100), 32),
        ({"pool3": 1.0, "conv2_1": 0.3}, (72, 80), 16),
        ({"pool4": 1.0}, (80, 96), 32),
        ({"pool5": 1.0}, (96, 112), 64),
    ],
)
def test_tiled_gradient_equals_the_whole_image_gradient(weights, size, tile):
    last = max(vgg19_taps()[name] for name in weights)
    taps = FeatureTaps(random_features(0)[: last + 1])
    image = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(2))
    whole = _whole_gradient(taps, image, weights)
    tiled, value = tiled_gradient(image, taps, weights, tile)
    assert torch.allclose(tiled, whole, rtol=1e-4, atol=1e-4 * whole.abs().max().item())
    assert value.item() == pytest.approx(objective(image, taps, weights).item(), rel=1e-5)


def test_a_margin_short_of_the_receptive_field_would_not_match(monkeypatch):
    """The equality above depends on the margin: without it, tile seams show in the gradient."""
    import pipeline.dreamer.tiles as tiles

    weights = {"conv3_1": 1.0}
    taps = FeatureTaps(random_features(0)[: vgg19_taps()["conv3_1"] + 1])
    image = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    monkeypatch.setattr(tiles, "tile_geometry", lambda plan, layer: (4, 4))
    tiled, _ = tiles.tiled_gradient(image, taps, weights, 32)
    assert not torch.allclose(tiled, _whole_gradient(taps, image, weights), rtol=1e-3, atol=1e-3)


def test_dreaming_above_the_pixel_budget_runs_in_tiles_and_matches(monkeypatch):
    import pipeline.dreamer.ascent as dream_module
    from pipeline.dreamer.ascent import dream, frame_generator
    from pipeline.dreamer.pixels import PixelSpace
    from pipeline.dreamer.settings import DreamParams

    calls = []
    monkeypatch.setattr(dream_module, "tiled_gradient", lambda *a: calls.append(1) or tiled_gradient(*a))
    taps = FeatureTaps(random_features(0)[: vgg19_taps()["conv2_1"] + 1])
    space = PixelSpace.imagenet()
    image = space.encode(torch.rand(48, 64, 3, generator=torch.Generator().manual_seed(0)).numpy())
    whole = DreamParams(octaves=2, steps=2, jitter=4)
    tiled = DreamParams(octaves=2, steps=2, jitter=4, tile_pixels=1000, tile=16)
    a = dream(image, taps, {"conv2_1": 1.0}, whole, frame_generator(0, 0), space)
    assert not calls
    b = dream(image, taps, {"conv2_1": 1.0}, tiled, frame_generator(0, 0), space)
    assert len(calls) == 4  # both octaves (1,575 and 3,072 px) are above 1,000 px, 2 steps each
    assert torch.allclose(a.image, b.image, atol=1e-3)
    assert b.objective_end == pytest.approx(a.objective_end, rel=1e-3)


def _network_taps(network: str, weights: dict) -> FeatureTaps:
    plan = NETWORKS[network]
    return FeatureTaps(random_features(0, network)[: plan.index(plan.deepest(weights)) + 1], plan)


@pytest.mark.parametrize(
    "network, weights, size, tile",
    [
        # Inception v3's stem: unpadded 3x3 convs and max-pools, stride 2 twice (margin 24, grid 4)
        ("inception_v3", {"Conv2d_4a_3x3": 1.0}, (60, 90), 16),
        ("inception_v3", {"Mixed_5b": 1.0}, (96, 200), 32),  # margin 64 on a grid of 8
        # the reduction block's unpadded stride-2 branches, two depths at once (margin 160, grid 16)
        ("inception_v3", {"Mixed_6a": 1.0, "mixed2": 0.5}, (50, 420), 64),
        ("googlenet", {"inception3b": 1.0}, (80, 150), 16),  # ceil-mode pools (margin 64, grid 8)
        ("googlenet", {"inception_4c": 1.0, "inception4e": 0.5}, (40, 600), 48),  # margin 240, grid 16
        # 900 = 28 x 32 + 4: the last ceil-mode pool windows run past the image's end (margin 384, grid
        # 32), and tiles of 80 px start off that grid, so the windows must be moved onto it
        ("googlenet", {"inception5b": 1.0}, (33, 900), 80),
    ],
)
def test_tiles_are_exact_for_inception_v3_and_googlenet(network, weights, size, tile):
    """Windows on each network's own output grid with a receptive field of margin: the tiled gradient
    and objective are the whole image's (issue 22: both networks tile exactly, no seam to bound)."""
    taps = _network_taps(network, weights)
    margin, _ = tile_geometry(taps.plan, taps.plan.deepest(weights))
    assert size[1] > tile + 2 * margin  # some window has an inner edge on both sides
    image = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(2))
    whole = _whole_gradient(taps, image, weights)
    tiled, value = tiled_gradient(image, taps, weights, tile)
    assert torch.allclose(tiled, whole, rtol=1e-4, atol=1e-4 * whole.abs().max().item())
    assert value.item() == pytest.approx(objective(image, taps, weights).item(), rel=1e-5)


@pytest.mark.parametrize("geometry", ["short margin", "off the grid"])
def test_inception_tiles_need_both_the_margin_and_the_grid(monkeypatch, geometry):
    """Either alone is not enough: a margin of half the receptive field, or windows that start off the
    stride-2 grid of the unpadded convs (a margin 3 px past a multiple of it), leave seams."""
    import pipeline.dreamer.tiles as tiles

    weights = {"Mixed_5b": 1.0}
    taps = _network_taps("inception_v3", weights)
    margin, align = tiles.tile_geometry(taps.plan, "Mixed_5b")
    wrong = (margin // 2, align) if geometry == "short margin" else (margin + 3, 1)
    monkeypatch.setattr(tiles, "tile_geometry", lambda plan, layer: wrong)
    image = torch.randn(1, 3, 64, 200, generator=torch.Generator().manual_seed(2))
    tiled, _ = tiles.tiled_gradient(image, taps, weights, 32)
    assert not torch.allclose(tiled, _whole_gradient(taps, image, weights), rtol=1e-3, atol=1e-3)
