"""DeepDream on one image: gradient ascent on chosen layers' activations over an octave pyramid."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms.v2 import functional as tvf

from pipeline.errors import UserError
from pipeline.keyframes import parse_keyframes
from pipeline.pixels import PixelSpace
from pipeline.pyramid import octave_sizes

# A feature extractor: image (N, 3, H, W) and layer names -> {layer: activation}. VGG19 taps in
# production, a toy net in tests.
Features = Callable[[torch.Tensor, Iterable[str]], dict[str, torch.Tensor]]
LayerWeights = Mapping[str, float]


@dataclass
class DreamConfig:
    octaves: int = 4  # pyramid levels; the smallest is the frame shrunk by octave_scale ** (octaves - 1)
    octave_scale: float = 1.4  # size ratio between neighbouring levels
    steps: str = "10"  # gradient-ascent steps per level; a number or keyframes over time ("0:(10), 5:(4)")
    lr: str = "0.09"  # step size in ImageNet-normalised pixel units (gradient is normalised); or keyframes
    jitter: int = 32  # largest random roll, in pixels, applied before each step and undone after
    smoothing: float = 0.5  # base sigma (pixels) of the gradient-smoothing cascade; grows over the steps

    def __post_init__(self) -> None:
        if self.octaves < 1:
            raise UserError(f"dream.octaves must be at least 1, got {self.octaves}")
        if self.octave_scale <= 1.0:
            raise UserError(f"dream.octave_scale must be above 1 (1.4 is typical), got {self.octave_scale}")
        if self.jitter < 0:
            raise UserError(f"dream.jitter must be 0 or more pixels, got {self.jitter}")
        if self.smoothing <= 0:
            raise UserError(f"dream.smoothing must be positive (0.5 is typical), got {self.smoothing}")
        self.at(0.0)  # parses the keyframes and checks the first values

    def at(self, t: float) -> DreamParams:
        """The numbers one frame is dreamed with: keyframed strength evaluated at t seconds."""
        steps = round(parse_keyframes(self.steps, name="dream.steps")(t))
        lr = parse_keyframes(self.lr, name="dream.lr")(t)
        if steps < 1:
            raise UserError(f"dream.steps must be at least 1, but is {steps} at t={t:g}s")
        if lr <= 0:
            raise UserError(f"dream.lr must be positive (0.09 is typical), but is {lr:g} at t={t:g}s")
        return DreamParams(self.octaves, self.octave_scale, steps, lr, self.jitter, self.smoothing)


@dataclass(frozen=True)
class DreamParams:
    """DreamConfig resolved to plain numbers for one frame (see DreamConfig for units)."""

    octaves: int = 4
    octave_scale: float = 1.4
    steps: int = 10
    lr: float = 0.09
    jitter: int = 32
    smoothing: float = 0.5


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
    cfg: DreamParams,
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
    cfg: DreamParams,
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
