"""DeepDream on one image: gradient ascent on chosen layers' activations over an octave pyramid."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torchvision.transforms.v2 import functional as tvf

from pipeline.animation.keyframes import parse_keyframes
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.smoothing import smooth
from pipeline.dreamer.tiles import tiled_gradient
from pipeline.errors import UserError

# `DreamConfig.at` runs every frame: parse each keyframe string once, not once per frame.
_curve = lru_cache(maxsize=256)(parse_keyframes)

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
    # Video frames after the first start from the previous dream, zoomed: most of the dream is already
    # there, so they need fewer octaves and steps. null: the same as the first frame.
    frame_octaves: int | None = None  # pyramid levels for frames after the first
    frame_steps: str | None = None  # steps per level for frames after the first (number or keyframes)
    frame_lr: str | None = None  # step size for frames after the first (number or keyframes)
    # Bounded memory at any size: levels above tile_pixels compute the gradient in tile x tile pieces
    # (exactly the same gradient; margins cost extra time, so smaller levels run whole).
    tile_pixels: int = 2_500_000  # pixels of a level above which it is tiled (1080p is 2.07 million)
    tile: int = 1024  # side of a tile in pixels, a multiple of 16 (memory grows with its square)

    def __post_init__(self) -> None:
        for name in ("octaves", "frame_octaves"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise UserError(f"dream.{name} must be at least 1, got {value}")
        if self.octave_scale <= 1.0:
            raise UserError(f"dream.octave_scale must be above 1 (1.4 is typical), got {self.octave_scale}")
        if self.jitter < 0:
            raise UserError(f"dream.jitter must be 0 or more pixels, got {self.jitter}")
        if self.smoothing <= 0:
            raise UserError(f"dream.smoothing must be positive (0.5 is typical), got {self.smoothing}")
        if self.tile < 16 or self.tile % 16 or self.tile_pixels < 1:
            raise UserError(
                f"dream.tile must be a multiple of 16 (VGG19's deepest pooling grid), got {self.tile}; "
                f"dream.tile_pixels must be >= 1, got {self.tile_pixels}"
            )
        self.at(0.0, first_frame=True)  # parses the keyframes and checks the first values
        self.at(0.0, first_frame=False)

    def at(self, t: float, first_frame: bool = True) -> DreamParams:
        """The numbers one frame is dreamed with: keyframed strength evaluated at t seconds."""
        octaves = self.octaves if first_frame or self.frame_octaves is None else self.frame_octaves
        name, text = ("dream.steps", self.steps)
        if not first_frame and self.frame_steps is not None:
            name, text = ("dream.frame_steps", self.frame_steps)
        steps = round(_curve(text, name=name)(t))
        lr_name, lr_text = ("dream.lr", self.lr)
        if not first_frame and self.frame_lr is not None:
            lr_name, lr_text = ("dream.frame_lr", self.frame_lr)
        lr = _curve(lr_text, name=lr_name)(t)
        if steps < 1:
            raise UserError(f"{name} must be at least 1, but is {steps} at t={t:g}s")
        if lr <= 0:
            raise UserError(f"{lr_name} must be positive (0.09 is typical), but is {lr:g} at t={t:g}s")
        return DreamParams(
            octaves, self.octave_scale, steps, lr, self.jitter, self.smoothing, self.tile_pixels, self.tile
        )

    @property
    def most_octaves(self) -> int:
        return max(self.octaves, self.frame_octaves or 0)


@dataclass(frozen=True)
class DreamParams:
    """DreamConfig resolved to plain numbers for one frame (see DreamConfig for units)."""

    octaves: int = 4
    octave_scale: float = 1.4
    steps: int = 10
    lr: float = 0.09
    jitter: int = 32
    smoothing: float = 0.5
    tile_pixels: int = 2_500_000
    tile: int = 1024


def objective(image: torch.Tensor, features: Features, layer_weights: LayerWeights) -> torch.Tensor:
    """What DeepDream maximises: the weighted mean of squared activations of the chosen layers."""
    activations = features(image, layer_weights.keys())
    return sum(weight * activations[name].float().pow(2).mean() for name, weight in layer_weights.items())


def ascent_step(
    image: torch.Tensor,
    features: Features,
    layer_weights: LayerWeights,
    cfg: DreamParams,
    step: int,
    generator: torch.Generator,
    space: PixelSpace,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of gradient ascent on the input image (the network's weights never change); returns
    the new image and the objective it had before the step (a 0-d tensor: no device sync)."""
    # 1. Jitter: roll by a random offset so the smoothed gradient's seams never stay in one place.
    dy, dx = torch.randint(-cfg.jitter, cfg.jitter + 1, (2,), generator=generator).tolist()
    rolled = torch.roll(image, shifts=(dy, dx), dims=(-2, -1)).detach()
    rolled = rolled.contiguous(memory_format=torch.channels_last).requires_grad_(True)
    # 2. Forward to the deepest chosen layer, backward to the pixels only (weights have no gradient).
    #    Scaling by the pixel count keeps fp16 gradients from underflowing; step 4 removes the scale.
    pixels = rolled[0, 0].numel()
    if pixels > cfg.tile_pixels:
        grad, value = tiled_gradient(rolled, features, layer_weights, cfg.tile)
    else:
        value = objective(rolled, features, layer_weights)
        (grad,) = torch.autograd.grad(value * pixels, rolled)
    # 3. Smooth, with a sigma that grows over the steps (coarser structure late in each octave).
    grad = smooth(grad, cfg.smoothing + 2.0 * (step + 1) / cfg.steps)
    # 4. Normalise so lr means the same at every layer, size and weight.
    grad = (grad - grad.mean()) / (grad.std() + 1e-8)
    # 5. Ascend, undo the roll, stay inside the valid pixel range.
    ascended = torch.roll(rolled.detach() + cfg.lr * grad, shifts=(-dy, -dx), dims=(-2, -1))
    return space.clamp(ascended), value.detach()


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return tvf.resize(image, list(size), interpolation=tvf.InterpolationMode.BILINEAR, antialias=True)


def dream(
    image: torch.Tensor,
    features: Features,
    layer_weights: LayerWeights,
    cfg: DreamParams,
    generator: torch.Generator,
    space: PixelSpace,
    stats: dict | None = None,
) -> torch.Tensor:
    """Dream from the smallest octave up, carrying only the *detail* (dreamed minus base) to the next
    level, so the picture's own structure stays sharp while the dream grows over it.

    `stats`, if given, receives the objective at full size before the first and before the last step
    of the last octave (free: those forward passes run anyway).
    """
    height, width = image.shape[-2:]
    bases = [resize(image, size) for size in octave_sizes(height, width, cfg.octaves, cfg.octave_scale)]
    detail = torch.zeros_like(bases[0])
    values = []
    for base in bases:
        dreamed = base + resize(detail, tuple(base.shape[-2:]))
        values = []
        for step in range(cfg.steps):
            dreamed, value = ascent_step(dreamed, features, layer_weights, cfg, step, generator, space)
            values.append(value)
        detail = dreamed - base
    if stats is not None:
        stats.update(objective_start=values[0].item(), objective_end=values[-1].item())
    return dreamed


def frame_generator(seed: int, frame_index: int) -> torch.Generator:
    """Randomness for one frame derived from (seed, frame index) alone: any frame can be re-dreamed
    identically, in any order, on any device."""
    state = np.random.SeedSequence([seed, frame_index]).generate_state(1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(state) & 0x7FFF_FFFF_FFFF_FFFF)
