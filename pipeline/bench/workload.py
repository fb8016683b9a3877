"""One network's dream as the benchmark times it (ours and the plain reference), and the timing of several
of them round-robin, so a machine whose load changes while it runs slows each of them alike."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import torch

from pipeline.bench.measure import timed
from pipeline.bench.reference import reference_dream
from pipeline.dreamer.ascent import dream, frame_generator
from pipeline.dreamer.load import load_features, load_taps
from pipeline.dreamer.networks import NETWORKS
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.plan import NetworkPlan
from pipeline.dreamer.precision import Autocast
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.settings import DreamParams, ModelConfig
from pipeline.sources.image import noise_image


def workload_flops(plan: NetworkPlan, layer: str, sizes: list[tuple[int, int]], steps: int) -> float:
    """Convolution FLOPs of one dream: forward plus input-gradient backward (as much again), per step,
    summed over the octave sizes; counted from the network's plan (every conv of every branch)."""
    return 2.0 * steps * sum(plan.forward_flops(layer, height, width) for height, width in sizes)


@dataclass
class Workload:
    name: str  # model.name
    layer: str  # the layer dreamed: --layer, or the network's default
    features: Autocast  # the network up to `layer`, under the chosen precision
    weights: dict[str, float]  # {layer: 1.0}
    full: DreamParams  # the full dream's numbers
    space: PixelSpace
    flops: float  # convolution FLOPs of one dream
    ours: Callable[[], torch.Tensor]  # one full dream, the pipeline's way
    reference: Callable[[], torch.Tensor] | None  # the same dream the plain way; None: not run
    skipped: str | None = None  # why the reference was not run, if the frame is too small for it


def workload(args, name: str, device: torch.device, dtype: torch.dtype) -> Workload:
    plan, model = NETWORKS[name], ModelConfig(name=name, weights=args.weights)
    layer = args.layer or plan.default_layer
    space = PixelSpace.imagenet(device)
    image = space.encode(noise_image(args.width, args.height, seed=0))
    features = Autocast(load_taps(model, 0, layer, device), device, dtype)
    weights = {layer: 1.0}
    full = DreamParams(octaves=args.octaves, octave_scale=args.octave_scale, steps=args.steps)
    sizes = octave_sizes(args.height, args.width, args.octaves, args.octave_scale)
    ours = lambda: dream(image, features, weights, full, frame_generator(0, 0), space).image  # noqa: E731
    reference, skipped = None, None
    whole = plan.min_side(plan.layers[-1])  # the reference runs the whole stack: it needs this much
    if not args.skip_reference and min(sizes[0]) < whole:
        skipped = f"the whole {plan.title} needs {whole} px per side at every octave"
    elif not args.skip_reference:
        plain = load_features(model, 0).to(device)
        reference = lambda: reference_dream(image, plain, layer, full, frame_generator(0, 0), space, plan)  # noqa: E731
    flops = workload_flops(plan, layer, sizes, args.steps)
    return Workload(name, layer, features, weights, full, space, flops, ours, reference, skipped)


def round_robin(runs: dict[str, Callable[[], object]], device: torch.device, repeats: int) -> dict:
    """Median seconds of each run, timed in turn `repeats` times after one warm-up each (kernel selection
    for every octave size)."""
    for run in runs.values():
        run()
    seconds: dict[str, list[float]] = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            seconds[key].append(timed(run, device)[0])
    return {key: statistics.median(values) for key, values in seconds.items()}
