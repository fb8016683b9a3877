"""DeepDream on one image: gradient ascent on chosen layers' activations over an octave pyramid."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms.v2 import functional as tvf

from pipeline.errors import UserError
from pipeline.pixels import PixelSpace

# A feature extractor: image (N, 3, H, W) and layer names -> {layer: activation}. VGG19 taps in
# production, a toy net in tests.
Features = Callable[[torch.Tensor, Iterable[str]], dict[str, torch.Tensor]]
LayerWeights = Mapping[str, float]


@dataclass
class DreamConfig:
    octaves: int = 4  # pyramid levels; the smallest is the frame shrunk by octave_scale ** (octaves - 1)
    octave_scale: float = 1.4  # size ratio between neighbouring levels
    steps: int = 10  # gradient-ascent steps at each level
    lr: float = 0.09  # step size, in ImageNet-normalised pixel units (the gradient is normalised first)
    jitter: int = 32  # largest random roll, in pixels, applied before each step and undone after
    smoothing: float = 0.5  # base sigma (pixels) of the gradient-smoothing cascade; grows over the steps

    def __post_init__(self) -> None:
        for name in ("octaves", "steps"):
            if getattr(self, name) < 1:
                raise UserError(f"dream.{name} must be at least 1, got {getattr(self, name)}")
        if self.octave_scale <= 1.0:
            raise UserError(f"dream.octave_scale must be above 1 (1.4 is typical), got {self.octave_scale}")
        if self.lr <= 0:
            raise UserError(f"dream.lr must be positive (0.09 is typical), got {self.lr}")
        if self.jitter < 0:
            raise UserError(f"dream.jitter must be 0 or more pixels, got {self.jitter}")
        if self.smoothing <= 0:
            raise UserError(f"dream.smoothing must be positive (0.5 is typical), got {self.smoothing}")


def octave_sizes(height: int, width: int, octaves: int, scale: float) -> list[tuple[int, int]]:
    """(h, w) of each pyramid level, smallest first, ending at the full size."""
    return [
        (max(1, round(height / scale**level)), max(1, round(width / scale**level)))
        for level in reversed(range(octaves))
    ]


def objective(image: torch.Tensor, features: Features, layer_weights: LayerWeights) -> torch.Tensor:
    """What DeepDream maximises: the weighted mean of squared activations of the chosen layers."""
    activations = features(image, layer_weights.keys())
    return sum(weight * activations[name].float().pow(2).mean() for name, weight in layer_weights.items())


def smooth(grad: torch.Tensor, sigma: float) -> torch.Tensor:
    """Average of three Gaussian blurs (sigma x 0.5, 1, 2; 9-tap kernel, reflect borders): damps the
    checkerboard that strided convs leave in the gradient at several scales at once."""
    blurs = [
        tvf.gaussian_blur(grad, kernel_size=[9, 9], sigma=[s, s]) for s in (0.5 * sigma, sigma, 2 * sigma)
    ]
    return sum(blurs) / 3.0


def ascent_step(
    image: torch.Tensor,
    features: Features,
    layer_weights: LayerWeights,
    cfg: DreamConfig,
    step: int,
    generator: torch.Generator,
    space: PixelSpace,
) -> torch.Tensor:
    """One step of gradient ascent on the input image (the network's weights never change)."""
    # 1. Jitter: roll by a random offset so the smoothed gradient's seams never stay in one place.
    dy, dx = torch.randint(-cfg.jitter, cfg.jitter + 1, (2,), generator=generator).tolist()
    rolled = torch.roll(image, shifts=(dy, dx), dims=(-2, -1)).detach().requires_grad_(True)
    # 2. Forward to the deepest chosen layer, backward to the pixels.
    (grad,) = torch.autograd.grad(objective(rolled, features, layer_weights), rolled)
    # 3. Smooth, with a sigma that grows over the steps (coarser structure late in each octave).
    grad = smooth(grad, cfg.smoothing + 2.0 * (step + 1) / cfg.steps)
    # 4. Normalise so lr means the same at every layer, size and weight.
    grad = (grad - grad.mean()) / (grad.std() + 1e-8)
    # 5. Ascend, undo the roll, stay inside the valid pixel range.
    ascended = torch.roll(rolled.detach() + cfg.lr * grad, shifts=(-dy, -dx), dims=(-2, -1))
    return space.clamp(ascended)


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return tvf.resize(image, list(size), interpolation=tvf.InterpolationMode.BILINEAR, antialias=True)


def dream(
    image: torch.Tensor,
    features: Features,
    layer_weights: LayerWeights,
    cfg: DreamConfig,
    generator: torch.Generator,
    space: PixelSpace,
) -> torch.Tensor:
    """Dream from the smallest octave up, carrying only the *detail* (dreamed minus base) to the next
    level, so the picture's own structure stays sharp while the dream grows over it."""
    height, width = image.shape[-2:]
    bases = [resize(image, size) for size in octave_sizes(height, width, cfg.octaves, cfg.octave_scale)]
    detail = torch.zeros_like(bases[0])
    for base in bases:
        dreamed = base + resize(detail, tuple(base.shape[-2:]))
        for step in range(cfg.steps):
            dreamed = ascent_step(dreamed, features, layer_weights, cfg, step, generator, space)
        detail = dreamed - base
    return dreamed


def frame_generator(seed: int, frame_index: int) -> torch.Generator:
    """Randomness for one frame derived from (seed, frame index) alone: any frame can be re-dreamed
    identically, in any order, on any device."""
    state = np.random.SeedSequence([seed, frame_index]).generate_state(1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(state) & 0x7FFF_FFFF_FFFF_FFFF)


def check_pyramid(height: int, width: int, cfg: DreamConfig, min_side: int, layer: str) -> None:
    """Refuse a pyramid whose smallest level is too small for the deepest layer, saying what would work."""
    smallest = octave_sizes(height, width, cfg.octaves, cfg.octave_scale)[0]
    if min(smallest) >= min_side:
        return
    fitting = [
        n
        for n in range(1, cfg.octaves)
        if min(octave_sizes(height, width, n, cfg.octave_scale)[0]) >= min_side
    ]
    advice = f"use dream.octaves={max(fitting)} or fewer" if fitting else "use a larger frame"
    short_side = min_side * cfg.octave_scale ** (cfg.octaves - 1)
    raise UserError(
        f"dream.octaves={cfg.octaves} at octave_scale={cfg.octave_scale} shrinks the {width}x{height} frame "
        f"to {smallest[1]}x{smallest[0]} px, but layer {layer} needs at least {min_side} px per side: "
        f"{advice}, a smaller dream.octave_scale, or a frame at least {short_side:.0f} px on its short side"
    )
