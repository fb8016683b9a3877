"""Between a frame (float32 RGB HWC in [0, 1]) and the network's input (normalised NCHW tensor)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torchvision.models import VGG19_Weights


@dataclass(frozen=True)
class PixelSpace:
    """The normalisation a network was trained with, and the valid pixel range inside it."""

    mean: torch.Tensor  # (1, 3, 1, 1)
    std: torch.Tensor  # (1, 3, 1, 1)

    @classmethod
    def imagenet(cls, device: torch.device | str = "cpu") -> PixelSpace:
        """ImageNet statistics, read from torchvision's VGG19 weights metadata rather than retyped."""
        preset = VGG19_Weights.IMAGENET1K_V1.transforms()
        return cls.of(preset.mean, preset.std, device)

    @classmethod
    def of(cls, mean, std, device: torch.device | str = "cpu") -> PixelSpace:
        as_column = lambda values: torch.tensor(values, dtype=torch.float32, device=device).view(1, 3, 1, 1)  # noqa: E731
        return cls(as_column(mean), as_column(std))

    def encode(self, frame: np.ndarray) -> torch.Tensor:
        """(H, W, 3) in [0, 1] -> (1, 3, H, W) normalised, on this space's device."""
        image = torch.from_numpy(np.ascontiguousarray(frame, dtype=np.float32)).to(self.mean.device)
        return (image.permute(2, 0, 1).unsqueeze(0) - self.mean) / self.std

    def decode(self, image: torch.Tensor) -> np.ndarray:
        """(1, 3, H, W) normalised -> (H, W, 3) float32 in [0, 1]."""
        frame = (image.detach().float() * self.std + self.mean).clamp(0.0, 1.0)
        return frame[0].permute(1, 2, 0).cpu().numpy()

    def clamp(self, image: torch.Tensor) -> torch.Tensor:
        """Keep every pixel inside what [0, 1] maps to, channel by channel."""
        return torch.clamp(image, -self.mean / self.std, (1.0 - self.mean) / self.std)
