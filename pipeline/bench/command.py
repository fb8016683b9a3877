"""Benchmark the dreamer against the plain reference on one workload, and video frames against full dreams.

`python -m pipeline.bench --help`. Prints seconds, ratios and achieved GFLOP/s against a convolution peak
measured in the same run; writes the numbers to JSON. A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from functools import partial
from pathlib import Path

import torch
from torch import nn

from pipeline.animation.camera import Camera
from pipeline.animation.motion_config import MotionConfig
from pipeline.bench.args import OneLineParser, check_args
from pipeline.bench.measure import conv_peak, peak_memory, timed
from pipeline.bench.reference import reference_dream
from pipeline.dreamer.ascent import dream, frame_generator, objective
from pipeline.dreamer.device import configure_backends, resolve_device
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.precision import Autocast, resolve_precision
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.settings import DreamParams, ModelConfig
from pipeline.dreamer.weights import load_features, load_taps
from pipeline.output.quality import quality
from pipeline.sources.image import noise_image


def workload_flops(features: nn.Sequential, sizes: list[tuple[int, int]], steps: int) -> float:
    """Convolution FLOPs of one dream: forward plus input-gradient backward (as much again), per step,
    summed over the octave sizes. 3x3 convs keep the size (padding 1); each 2x2 max-pool halves it."""
    per_step = 0
    for height, width in sizes:
        for module in features:
            if isinstance(module, nn.MaxPool2d):
                height, width = height // 2, width // 2
            elif isinstance(module, nn.Conv2d):
                kernel = module.kernel_size[0] * module.kernel_size[1]
                per_step += 2 * module.in_channels * module.out_channels * kernel * height * width
    return 2.0 * per_step * steps


def median_seconds(run, device: torch.device, repeats: int) -> float:
    return statistics.median(timed(run, device)[0] for _ in range(repeats))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineParser(prog="python -m pipeline.bench", description=__doc__)
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--layer", default="conv4_2")
    parser.add_argument("--octaves", type=int, default=4)
    parser.add_argument("--octave-scale", type=float, default=1.4)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="auto")
    parser.add_argument(
        "--weights", default="random", help="random | imagenet | path (speed does not depend on it)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats; the median is reported")
    parser.add_argument(
        "--frames", type=int, default=3, help="steady-state video frames to compare (0: skip)"
    )
    # the lighter frames' defaults are dream=default's (pipeline/conf/dream/default.yaml)
    parser.add_argument("--frame-octaves", type=int, default=1, help="octaves of the lighter frames")
    parser.add_argument("--frame-steps", type=int, default=6, help="steps per octave of the lighter frames")
    parser.add_argument("--frame-lr", type=float, default=0.25, help="step size for the lighter frames")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--peak-size", type=int, help="side of the peak-measuring conv's input (default: 64 CPU, 256 GPU)"
    )
    parser.add_argument("--json", type=Path, default=Path("bench.json"))
    args = parser.parse_args(argv)
    check_args(args)
    return args


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    if "--pictures" in argv:  # the README's pictures, remade: pipeline/bench/pictures.py
        from pipeline.bench.pictures import main as pictures_main

        return pictures_main([arg for arg in argv if arg != "--pictures"])
    if "--quality" in argv:  # quality on trained features: pipeline/bench/quality.py
        from pipeline.bench.quality import main as quality_main

        return quality_main([arg for arg in argv if arg != "--quality"])
    if "--video" in argv:  # the per-video benchmark: pipeline/bench/video.py (+ bench_colour.py)
        from pipeline.bench.colour import main as video_main

        return video_main([arg for arg in argv if arg != "--video"])
    args = parse_args(argv)
    device = resolve_device(args.device)
    dtype = resolve_precision(args.precision, device)
    configure_backends(device, deterministic=False)  # cuDNN benchmark mode, as renders use it
    peak_size = args.peak_size or (64 if device.type == "cpu" else 256)  # big enough to time on a GPU
    space = PixelSpace.imagenet(device)
    image = space.encode(noise_image(args.width, args.height, seed=0))
    taps = load_taps(ModelConfig(weights=args.weights), 0, args.layer, device)
    features = Autocast(taps, device, dtype)
    weights = {args.layer: 1.0}
    full = DreamParams(octaves=args.octaves, octave_scale=args.octave_scale, steps=args.steps)
    sizes = octave_sizes(args.height, args.width, args.octaves, args.octave_scale)
    flops = workload_flops(taps.features, sizes, args.steps)

    def ours():
        return dream(image, features, weights, full, frame_generator(0, 0), space).image

    ours()  # warm-up: kernel selection for every octave size
    results: dict = {**vars(args), "device": str(device), "precision": str(dtype).removeprefix("torch.")}
    results["json"] = str(args.json)
    results["workload_tflop"] = flops / 1e12
    results["peak_size"] = peak_size
    results["peak_fp32_gflops"] = conv_peak(device, torch.float32, peak_size)
    # the low precision `auto` picks here; none where it picks fp32 (bf16 emulated: ~100x slower)
    low = resolve_precision("auto", device)
    results["peak_low_gflops"] = conv_peak(device, low, peak_size) if low != torch.float32 else None
    results["ours_s"] = median_seconds(ours, device, args.repeats)
    results["ours_gflops"] = flops / results["ours_s"] / 1e9
    memory, own = peak_memory(ours, device)  # measured on ours alone, before the reference runs
    results["peak_memory_mb"], results["peak_memory_own"] = memory / 2**20, own
    peak = results["peak_low_gflops"] or results["peak_fp32_gflops"]  # the best this device can do
    results["ours_fraction_of_peak"] = results["ours_gflops"] / peak
    if not args.skip_reference:
        plain = load_features(ModelConfig(weights=args.weights), 0).to(device)
        reference = lambda: reference_dream(image, plain, args.layer, full, frame_generator(0, 0), space)  # noqa: E731
        reference()  # warm-up, as for ours
        results["reference_s"] = median_seconds(reference, device, args.repeats)
        results["speedup_vs_reference"] = results["reference_s"] / results["ours_s"]
    if args.frames:
        results.update(steady_state(args, ours(), features, weights, full, space, device))
    report(results)
    args.json.write_text(json.dumps(results, indent=2, default=str))
    return results


def steady_state(args, first, features, weights, full: DreamParams, space, device) -> dict:
    """Frames after the first start from the previous dream, zoomed: dream each such frame both ways,
    lighter (frame mode) and full, and compare time and dream strength (the objective on the output)."""
    light = DreamParams(args.frame_octaves, args.octave_scale, args.frame_steps, args.frame_lr)
    camera = Camera(MotionConfig(zoom="1.25"), 24, args.width, args.height)
    previous, timings, strengths = first, {"full": [], "light": []}, {"full": [], "light": []}
    first_quality = quality(space.decode(first))
    for index in range(1, args.frames + 1):
        start = space.encode(camera.warp(space.decode(previous), index / 24))
        for name, params in (("full", full), ("light", light)):
            run = partial(dream, start, features, weights, params, frame_generator(0, index), space)
            seconds, dreamed = timed(run, device)
            out = dreamed.image
            timings[name].append(seconds)
            strengths[name].append(objective(out, features, weights).item())
            if name == "light":
                previous = out
    return {
        "frame_full_s": statistics.median(timings["full"]),
        "frame_light_s": statistics.median(timings["light"]),
        "frame_time_ratio": statistics.median(timings["light"]) / statistics.median(timings["full"]),
        "frame_strength_ratio": sum(strengths["light"]) / sum(strengths["full"]),
        "quality_first": first_quality,  # output/quality.py's figures of the first and last frame
        "quality_last": quality(space.decode(previous)),
    }


def report(r: dict) -> None:
    print(
        f"device {r['device']} ({r['precision']}), {r['width']}x{r['height']}, {r['layer']}, "
        f"{r['octaves']} octaves x {r['steps']} steps: {r['workload_tflop']:.2f} TFLOP of convolution"
    )
    low = f"{r['peak_low_gflops']:.0f} GFLOP/s" if r["peak_low_gflops"] else "none (auto runs fp32 here)"
    print(
        f"conv peak (512->512 3x3 at {r['peak_size']}px): fp32 {r['peak_fp32_gflops']:.0f} GFLOP/s, "
        f"low precision {low}"
    )
    print(
        f"ours      {r['ours_s']:8.2f} s/dream  {r['ours_gflops']:6.0f} GFLOP/s  "
        f"{100 * r['ours_fraction_of_peak']:.0f}% of peak"
    )
    if "reference_s" in r:
        ratio = r["speedup_vs_reference"]
        print(f"reference {r['reference_s']:8.2f} s/dream  ratio reference/ours {ratio:.2f}x")
    if "frame_full_s" in r:
        print(
            f"video frame: full {r['frame_full_s']:.2f} s, light ({r['frame_octaves']} octaves x "
            f"{r['frame_steps']} steps) {r['frame_light_s']:.2f} s = {r['frame_time_ratio']:.2f} of full, "
            f"keeping {100 * r['frame_strength_ratio']:.0f}% of the dream strength"
        )
    if "quality_first" in r:
        for name in ("first", "last"):
            figures = "  ".join(f"{key} {value:.4g}" for key, value in r[f"quality_{name}"].items())
            print(f"quality, {name} video frame: {figures}")
    whose = "reset just before one dream" if r["peak_memory_own"] else "the process's so far: no reset here"
    print(f"peak memory {r['peak_memory_mb']:.0f} MB ({whose}); results in {r['json']}")
