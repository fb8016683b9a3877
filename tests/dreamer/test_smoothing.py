import pytest
import torch

from pipeline.bench.reference import three_blurs
from pipeline.dreamer.smoothing import smooth


@pytest.mark.parametrize("sigma", [0.7, 1.5, 2.5])
def test_one_convolution_equals_the_three_blur_cascade(sigma):
    """The folded kernel is the same linear filter as three torchvision Gaussian blurs averaged."""
    grad = torch.randn(1, 3, 37, 53, generator=torch.Generator().manual_seed(1))
    grad = grad.contiguous(memory_format=torch.channels_last)
    expected = three_blurs(grad, sigma)
    assert torch.allclose(smooth(grad, sigma), expected, atol=1e-5, rtol=0)
    assert (expected - grad).abs().mean() > 0.1  # the filter does something: equality is not trivial
