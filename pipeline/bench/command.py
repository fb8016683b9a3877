"""Benchmark the dreamer against the plain reference on one workload, and video frames against full dreams.

`python -m pipeline.bench --help`. Prints seconds, ratios and achieved GFLOP/s against a convolution peak
measured in the same run; writes the numbers to JSON. `--model all` measures every network in the same
process, each on its own default layer, timed in turn (pipeline/bench/workload.py), side by side.
A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from functools import partial
from pathlib import Path

import torch

from pipeline.animation.camera import Camera
from pipeline.animation.motion_config import MotionConfig
from pipeline.bench.args import OneLineParser, check_args
from pipeline.bench.measure import conv_peak, peak_memory, timed
from pipeline.bench.report import report, report_side_by_side
from pipeline.bench.workload import Workload, round_robin, workload
from pipeline.dreamer.ascent import dream, frame_generator, objective
from pipeline.dreamer.device import configure_backends, resolve_device
from pipeline.dreamer.networks import NETWORKS
from pipeline.dreamer.precision import resolve_precision
from pipeline.dreamer.settings import DreamParams
from pipeline.output.quality import quality


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineParser(prog="python -m pipeline.bench", description=__doc__)
    parser.add_argument(
        "--model", default="vgg19", help=f"{' | '.join(NETWORKS)} | all (side by side) | a comma list"
    )
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--layer", help="default: the network's own (conv4_2, Mixed_6a, inception4c)")
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
    if "--loop" in argv:  # everything around the dream, through the render's loop: pipeline/bench/loop.py
        from pipeline.bench.loop import main as loop_main

        return loop_main([arg for arg in argv if arg != "--loop"])
    args = parse_args(argv)
    device = resolve_device(args.device)
    dtype = resolve_precision(args.precision, device)
    configure_backends(device, deterministic=False)  # cuDNN benchmark mode, as renders use it
    peak_size = args.peak_size or (64 if device.type == "cpu" else 256)  # big enough to time on a GPU
    peaks = {"peak_size": peak_size, "peak_fp32_gflops": conv_peak(device, torch.float32, peak_size)}
    # the low precision `auto` picks here; none where it picks fp32 (bf16 emulated: ~100x slower)
    low = resolve_precision("auto", device)
    peaks["peak_low_gflops"] = conv_peak(device, low, peak_size) if low != torch.float32 else None
    loads = [workload(args, name, device, dtype) for name in args.models]
    runs = {f"{w.name} ours": w.ours for w in loads}
    runs |= {f"{w.name} reference": w.reference for w in loads if w.reference is not None}
    seconds = round_robin(runs, device, args.repeats)  # all networks in turn: the same machine for each
    results = [network_results(args, w, seconds, device, dtype, peaks) for w in loads]
    for one in results:
        report(one)
    if len(results) > 1:
        report_side_by_side(results)
    out = results[0] if len(results) == 1 else {"networks": results}
    args.json.write_text(json.dumps(out, indent=2, default=str))
    return out


def network_results(args, w: Workload, seconds: dict, device, dtype, peaks: dict) -> dict:
    """One network's numbers: our dream, the reference's, and the steady-state video frames."""
    results: dict = {**vars(args), "model": w.name, "layer": w.layer, "device": str(device), **peaks}
    results.update(
        precision=str(dtype).removeprefix("torch."), json=str(args.json), workload_tflop=w.flops / 1e12
    )
    results["ours_s"] = seconds[f"{w.name} ours"]
    results["ours_gflops"] = w.flops / results["ours_s"] / 1e9
    memory, own = peak_memory(w.ours, device)  # reset just before: ours alone
    results["peak_memory_mb"], results["peak_memory_own"] = memory / 2**20, own
    peak = results["peak_low_gflops"] or results["peak_fp32_gflops"]  # the best this device can do
    results["ours_fraction_of_peak"] = results["ours_gflops"] / peak
    if w.skipped:
        results["reference_skipped"] = w.skipped
    if w.reference is not None:
        results["reference_s"] = seconds[f"{w.name} reference"]
        results["speedup_vs_reference"] = results["reference_s"] / results["ours_s"]
    if args.frames:
        results.update(steady_state(args, w.ours(), w.features, w.weights, w.full, w.space, device))
    results.pop("models", None)
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
