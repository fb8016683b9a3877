"""The dreamer built once: out of memory is not fatal (the frame is dreamed again with its gradient in tiles,
to the same result), and each dream says its objective."""

import numpy as np
import pytest
import torch

from pipeline.dreamer.dreamer import Dreamer, Network
from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.load import random_features
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.settings import DreamParams
from pipeline.dreamer.vgg import FeatureTaps


class _OutOfMemoryAbove:
    """Wraps the taps: any forward pass over more than `limit` pixels fails like a full GPU."""

    def __init__(self, taps, limit, message="CUDA out of memory. Tried to allocate 2.00 GiB"):
        self.taps, self.limit, self.message, self.refused = taps, limit, message, 0

    def __call__(self, image, layers):
        if image.shape[-2] * image.shape[-1] > self.limit:
            self.refused += 1
            raise RuntimeError(self.message)
        return self.taps(image, layers)


def _network(taps):
    return Network(taps, PixelSpace.imagenet(), torch.device("cpu"))


@pytest.fixture(scope="module")
def taps():
    return FeatureTaps(random_features(0)[: vgg19_taps()["conv2_1"] + 1])


def test_a_frame_that_runs_out_of_memory_is_dreamed_again_in_tiles_with_the_same_result(taps):
    frame = np.random.default_rng(0).random((48, 64, 3)).astype(np.float32)
    params, weights = DreamParams(octaves=2, steps=2, jitter=4), {"conv2_1": 1.0}
    whole = Dreamer(_network(taps), 0, 2_500_000).dream(frame, weights, params, 0)
    limited = _OutOfMemoryAbove(taps, limit=1500)  # the 48x64 level (3,072 px) does not fit whole
    dreamer = Dreamer(_network(limited), 0, 2_500_000)
    retried = dreamer.dream(frame, weights, params, 0)
    assert limited.refused >= 1
    assert dreamer.tile_pixels == 48 * 64 // 4  # a quarter of the frame, kept for the frames after it
    assert torch.allclose(retried.image, whole.image, atol=2e-3)
    assert retried.objective_end == pytest.approx(whole.objective_end, rel=1e-3)
    assert whole.objective_end > whole.objective_start  # the dream raised what it maximises


def test_other_runtime_errors_are_not_retried(taps):
    broken = _OutOfMemoryAbove(taps, limit=0, message="shape mismatch")
    with pytest.raises(RuntimeError, match="shape mismatch"):
        Dreamer(_network(broken), 0, 2_500_000).dream(
            np.zeros((32, 32, 3), np.float32), {"conv2_1": 1.0}, DreamParams(octaves=1, steps=1), 0
        )
    assert broken.refused == 1


@pytest.mark.parametrize("network, layer", [("googlenet", "conv3"), ("inception_v3", "Conv2d_4a_3x3")])
def test_the_out_of_memory_retry_tiles_inception_v3_and_googlenet_exactly(network, layer):
    """The fallback shrinks tiles on a 16 px grid whatever the network: each network's windows start on
    its own output grid (dreamer/tiles.py), so the retried frame is the same. (A window is the tile plus
    a receptive field each side, so tiling saves memory only where the frame is several fields wide:
    layers with fields of 20-24 px here, on a 128x160 frame.)"""
    from pipeline.dreamer.networks import NETWORKS

    plan = NETWORKS[network]
    taps = FeatureTaps(random_features(0, network)[: plan.index(layer) + 1], plan)
    frame = np.random.default_rng(0).random((128, 160, 3)).astype(np.float32)
    params, weights = DreamParams(octaves=2, steps=2, jitter=4), {layer: 1.0}
    whole = Dreamer(_network(taps), 0, 2_500_000).dream(frame, weights, params, 0)
    limited = _OutOfMemoryAbove(taps, limit=128 * 160 // 2)
    dreamer = Dreamer(_network(limited), 0, 2_500_000)
    retried = dreamer.dream(frame, weights, params, 0)
    assert limited.refused >= 1 and dreamer.tile_pixels == 128 * 160 // 4
    assert torch.allclose(retried.image, whole.image, atol=2e-3)
