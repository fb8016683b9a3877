"""DeepDream on one image: gradient ascent on chosen layers' activations over an octave pyramid."""

from __future__ import annotations

import numpy as np
import torch
from torchvision.transforms.v2 import functional as tvf

from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.settings import DreamParams, Features, LayerWeights
from pipeline.dreamer.smoothing import smooth
from pipeline.dreamer.tiles import tiled_gradient


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
