"""An overflow in reduced precision (inf/NaN objective) must not be fed back: the octave is redone in fp32."""

import logging

import numpy as np
import torch

from pipeline.dreamer.ascent import dream, frame_generator
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.precision import Autocast
from pipeline.dreamer.settings import DreamParams

CPU = torch.device("cpu")


class NanOnceUnderAutocast:
    """The toy net, except that its first call under autocast overflows (as fp16 can at a deep layer)."""

    def __init__(self, features):
        self.features, self.overflowed = features, False

    def __call__(self, image, layers):
        activations = self.features(image, layers)
        if torch.is_autocast_enabled("cpu") and not self.overflowed:
            self.overflowed = True
            return {name: value * float("nan") for name, value in activations.items()}
        return activations


def test_a_nan_objective_redoes_the_octave_in_fp32_with_the_same_jitter(toy_features, caplog):
    space = PixelSpace.imagenet()
    image = space.encode(np.random.default_rng(0).random((32, 32, 3), dtype=np.float32))
    params, weights = DreamParams(octaves=1, steps=3, jitter=4), {"second": 1.0}
    low = Autocast(NanOnceUnderAutocast(toy_features), CPU, torch.bfloat16)
    with caplog.at_level(logging.WARNING):
        dreamed = dream(image, low, weights, params, frame_generator(0, 0), space)
    assert low.features.overflowed  # the NaN really was injected
    assert torch.isfinite(dreamed.image).all() and np.isfinite(dreamed.objective_end)
    exact = dream(image, toy_features, weights, params, frame_generator(0, 0), space)
    assert torch.equal(dreamed.image, exact.image)  # the redone octave is the fp32 dream, jitter included
    assert "redoing the octave in fp32" in caplog.text


def test_finite_reduced_precision_is_kept(toy_features, caplog):
    space = PixelSpace.imagenet()
    image = space.encode(np.random.default_rng(1).random((32, 32, 3), dtype=np.float32))
    params, weights = DreamParams(octaves=1, steps=2, jitter=4), {"second": 1.0}
    with caplog.at_level(logging.WARNING):
        low = dream(
            image, Autocast(toy_features, CPU, torch.bfloat16), weights, params, frame_generator(0, 0), space
        )
    exact = dream(image, toy_features, weights, params, frame_generator(0, 0), space)
    assert not torch.equal(low.image, exact.image)  # bf16 ran and was not thrown away
    assert "fp32" not in caplog.text
