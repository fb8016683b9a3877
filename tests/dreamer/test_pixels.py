"""Frame <-> network tensor: ImageNet normalisation there and back, and the valid pixel range."""

import numpy as np
import pytest
import torch

from pipeline.dreamer.pixels import PixelSpace


def test_imagenet_statistics_come_from_torchvision():
    space = PixelSpace.imagenet()
    assert space.mean.flatten().tolist() == pytest.approx([0.485, 0.456, 0.406])
    assert space.std.flatten().tolist() == pytest.approx([0.229, 0.224, 0.225])


def test_encode_is_channels_first_and_normalised_per_channel():
    space = PixelSpace.of([0.5, 0.25, 0.0], [0.5, 0.25, 1.0])
    frame = np.zeros((2, 3, 3), np.float32)
    frame[0, 1] = [1.0, 0.5, 0.75]  # row 0, column 1
    image = space.encode(frame)
    assert image.shape == (1, 3, 2, 3) and image.dtype == torch.float32
    assert image[0, :, 0, 1].tolist() == pytest.approx([1.0, 1.0, 0.75])
    assert image[0, :, 1, 2].tolist() == pytest.approx([-1.0, -1.0, 0.0])


def test_decode_inverts_encode_and_clips_to_the_unit_range():
    space = PixelSpace.imagenet()
    frame = np.random.default_rng(0).random((5, 7, 3)).astype(np.float32)
    back = space.decode(space.encode(frame))
    assert back.shape == (5, 7, 3) and back.dtype == np.float32
    assert np.allclose(back, frame, atol=1e-6)
    assert space.decode(space.encode(frame) + 100.0).min() == 1.0
    assert space.decode(space.encode(frame) - 100.0).max() == 0.0


def test_clamp_keeps_each_channel_inside_what_0_and_1_map_to():
    space = PixelSpace.of([0.5, 0.25, 0.0], [0.5, 0.25, 1.0])
    image = torch.tensor([10.0, -10.0, 0.5]).view(1, 3, 1, 1)
    assert space.clamp(image).flatten().tolist() == pytest.approx([1.0, -1.0, 0.5])
    wide = torch.linspace(-10, 10, 50).view(1, 1, 1, 50).expand(1, 3, 1, 50)
    decoded = space.clamp(wide) * space.std + space.mean
    assert decoded.min().item() == pytest.approx(0.0, abs=1e-6)
    assert decoded.max().item() == pytest.approx(1.0, abs=1e-6)
