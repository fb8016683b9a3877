"""The gradient-smoothing cascade as one convolution.

The cascade averages three Gaussian blurs (sigma x 0.5, 1, 2; 9x9 kernel, reflect borders). Blurring is
linear, so the average of three blurs is one blur with the average of the three kernels: one padded
depthwise convolution instead of three (the profile at 512x512 showed the three blurs as the largest cost
outside the network). The kernel is the standard sampled Gaussian, normalised to sum 1, as torchvision's
`gaussian_blur` builds it (https://pytorch.org/vision/stable/generated/torchvision.transforms.v2.functional.gaussian_blur.html).

The kernel is built once per (sigma, channels, device, dtype) and kept on the device: copying it from the
host at every step, as this did, is a host-device synchronisation on a GPU every step (the GPU waits for
the host, then the host for the GPU). A render uses a handful of sigmas (one per step index).
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F

KERNEL = 9  # taps per side of each blur
SCALES = (0.5, 1.0, 2.0)  # the cascade's sigmas, as multiples of the step's sigma


@lru_cache(maxsize=64)
def _mean_kernel(sigma: float) -> torch.Tensor:
    """(KERNEL, KERNEL) float64 average of the three normalised 2-D Gaussians (each an outer product)."""
    x = torch.arange(KERNEL, dtype=torch.float64) - (KERNEL - 1) / 2
    total = torch.zeros(KERNEL, KERNEL, dtype=torch.float64)
    for scale in SCALES:
        line = torch.exp(-0.5 * (x / (scale * sigma)) ** 2)
        line = line / line.sum()
        total += line[:, None] * line[None, :]
    return total / len(SCALES)


@lru_cache(maxsize=256)
def depthwise_kernel(sigma: float, channels: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """(channels, 1, KERNEL, KERNEL) on `device`: made (and copied there) on the first call only."""
    kernel = _mean_kernel(sigma).to(device, dtype)
    return kernel.expand(channels, 1, KERNEL, KERNEL).contiguous()


def smooth(grad: torch.Tensor, sigma: float) -> torch.Tensor:
    """Average of three Gaussian blurs of `grad` (N, C, H, W): damps the checkerboard that strided convs
    leave in the gradient at several scales at once. One depthwise 9x9 convolution, reflect borders."""
    channels = grad.shape[1]
    kernel = depthwise_kernel(float(sigma), channels, grad.device, grad.dtype)
    pad = KERNEL // 2
    padded = F.pad(grad, (pad, pad, pad, pad), mode="reflect")
    return F.conv2d(padded, kernel, groups=channels)
