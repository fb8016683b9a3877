"""DeepDream on one image: gradient ascent on chosen layers' activations over an octave pyramid."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms.v2 import functional as tvf

from pipeline.dreamer.device import antialias_on
from pipeline.dreamer.objective import as_objective, score_map
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.settings import DreamParams, Features, LayerWeights
from pipeline.dreamer.smoothing import smooth
from pipeline.dreamer.tiles import tiled_gradient

log = logging.getLogger(__name__)


class DreamStopped(Exception):
    """`should_stop` said yes between two steps: the frame was abandoned half-dreamed."""


@dataclass(frozen=True)
class Dreamed:
    """One dream and what it says of itself."""

    image: torch.Tensor  # (1, 3, H, W), in the network's pixel space
    objective_start: float  # at full size, before the first step of the last octave
    objective_end: float  # before its last step (free: those forward passes run anyway)


def objective(image: torch.Tensor, features: Features, layer_weights: LayerWeights) -> torch.Tensor:
    """What DeepDream maximises: the weighted mean of squared activations of the chosen layers (or of
    their chosen channels, or their match to a guide: see dreamer/objective.py)."""
    goal = as_objective(layer_weights)
    activations = features(image, goal.layers())
    return sum(term.weight * score_map(activations[term.layer], term).mean() for term in goal.terms)


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
    """Antialiased bilinear; on the CPU where the device has no such kernel (MPS before torch 2.7): the
    same numbers for two small copies per octave."""
    if not antialias_on(image.device):
        return resize(image.cpu(), size).to(image.device)
    return tvf.resize(image, list(size), interpolation=tvf.InterpolationMode.BILINEAR, antialias=True)


def dream(
    image: torch.Tensor,
    features: Features,
    layer_weights: LayerWeights,
    cfg: DreamParams,
    generator: torch.Generator,
    space: PixelSpace,
    should_stop: Callable[[], bool] | None = None,
) -> Dreamed:
    """Dream from the smallest octave up, carrying only the *detail* (dreamed minus base) to the next
    level, so the picture's own structure stays sharp while the dream grows over it.

    `should_stop` is asked before every step; when it says yes the dream raises DreamStopped, so a stop
    request waits one step, not one frame.
    """
    height, width = image.shape[-2:]
    bases = [resize(image, size) for size in octave_sizes(height, width, cfg.octaves, cfg.octave_scale)]
    detail = torch.zeros_like(bases[0])
    for base in bases:
        start = base + resize(detail, tuple(base.shape[-2:]))
        dreamed, values = dream_octave(start, features, layer_weights, cfg, generator, space, should_stop)
        detail = dreamed - base
    return Dreamed(dreamed, values[0].item(), values[-1].item())


def dream_octave(
    start: torch.Tensor,
    features: Features,
    layer_weights: LayerWeights,
    cfg: DreamParams,
    generator: torch.Generator,
    space: PixelSpace,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """cfg.steps ascent steps on one level: (dreamed image, objective before each step). An overflow in
    fp16/bf16 makes the objective inf/NaN, and a NaN fed back would blacken every later frame: then the
    level is redone in fp32 with the same jitter (one device sync per level, in reduced precision only)."""
    state = generator.get_state()
    dreamed, values = _steps(start, features, layer_weights, cfg, generator, space, should_stop)
    exact = getattr(features, "full_precision", lambda: None)()
    if exact is not None and not bool(torch.stack(values).isfinite().all() & dreamed.isfinite().all()):
        log.warning(
            "non-finite objective at %dx%d in reduced precision: redoing the octave in fp32",
            start.shape[-1],
            start.shape[-2],
        )
        generator.set_state(state)
        dreamed, values = _steps(start, exact, layer_weights, cfg, generator, space, should_stop)
    return dreamed, values


def _steps(start, features, layer_weights, cfg, generator, space, should_stop) -> tuple[torch.Tensor, list]:
    dreamed, values = start, []
    for step in range(cfg.steps):
        if should_stop is not None and should_stop():
            raise DreamStopped
        dreamed, value = ascent_step(dreamed, features, layer_weights, cfg, step, generator, space)
        values.append(value)
    return dreamed, values


def frame_generator(seed: int, frame_index: int) -> torch.Generator:
    """Randomness for one frame derived from (seed, frame index) alone: any frame can be re-dreamed
    identically, in any order, on any device."""
    state = np.random.SeedSequence([seed, frame_index]).generate_state(1, dtype=np.uint64)[0]
    return torch.Generator().manual_seed(int(state) & 0x7FFF_FFFF_FFFF_FFFF)
