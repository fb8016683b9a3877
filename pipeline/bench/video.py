"""Per-video benchmark: what a whole zoom video costs, through the render loop's own pieces.

`python -m pipeline.bench --video [render overrides ...] [--full-frames N] [--reference-frames N] [--json P]`
renders `frames` frames (Renderer, feed, cadence: the code path of pipeline.render, without writing files)
three ways and reports compute seconds per second of video: (a) the settings given (our defaults plus the
overrides), (b) `dream=full cadence=1` (a full dream every frame), (c) the plain reference's way (a full
dream per frame, fp32, the whole network, dreamer/reference.py). (b) runs every frame, or times N evenly
spaced frames (`--full-frames`); (c) always times a sample. Strength: the objective on every output frame
of (a) relative to (b) (needs (b) in full). Smoothness: animation/smoothness.py. Nothing here asserts.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from pipeline.bench.args import check_json_path, command_parser
from pipeline.bench.measure import timed
from pipeline.bench.reference import reference_dream
from pipeline.bench.smoothness import residual, summarise
from pipeline.cli.compose import describe
from pipeline.config import CONF_DIR, RenderConfig, register_configs
from pipeline.dreamer.ascent import frame_generator, objective
from pipeline.dreamer.load import load_features
from pipeline.errors import UserError
from pipeline.run.loop import dream_frames
from pipeline.run.plan import Plan, plan
from pipeline.run.renderer import Renderer

DEFAULTS = ["model.weights=random", "frames=48", "layer_schedule=deep", "contact_sheet=false"]


def compose_config(overrides: list[str]) -> tuple[RenderConfig, Plan]:
    """The render settings and their plan (size, rate, length), as pipeline.render resolves them."""
    register_configs()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = OmegaConf.to_object(compose(config_name="render", overrides=[*DEFAULTS, *overrides]))
    except (HydraException, OmegaConfBaseException) as error:
        raise UserError(describe(error)) from None
    return cfg, plan(cfg)


def strength(renderer: Renderer, frame: np.ndarray, index: int) -> float:
    """The objective DeepDream maximises, on an output frame, for the layers in force at that frame."""
    with torch.no_grad():
        image = renderer.network.space.encode(frame)
        network = renderer.network  # the frame's own objective: its channels and guides, not just its layers
        goal = renderer.steering.objective_at(index, network.taps, network.space)
        return objective(image, network.taps, goal).item()


class Measured:
    """The loop's sink in a benchmark: writes nothing, keeps each output frame's strength, its step from
    the frame before, whether it was dreamed, and the frames asked for; times its own work apart."""

    def __init__(self, renderer: Renderer, keep: set[int]):
        self.renderer, self.keep = renderer, keep
        self.strengths, self.residuals, self.dreamed, self.kept = [], [], [], {}
        self.previous: np.ndarray | None = None
        self.seconds = 0.0  # spent here, not in the loop

    def submit(self, index: int, frame: np.ndarray, keep, record: dict) -> None:
        started = time.perf_counter()
        self.strengths.append(strength(self.renderer, frame, index))
        if self.previous is not None:
            self.residuals.append(residual(self.renderer.camera, self.previous, frame, index - 1))
        self.dreamed.append(record["dreamed"])
        self.kept.update({index: frame} if index in self.keep else {})
        self.previous = frame
        self.seconds += time.perf_counter() - started


def run_video(
    settings: tuple[RenderConfig, Plan], keep: set[int] = frozenset(), renderer_type=Renderer
) -> dict:
    """Every frame through the render's own loop, nothing written; returns seconds, per-frame strength,
    smoothness, and the output frames whose indices are in `keep`."""
    cfg, resolved = settings
    with tempfile.TemporaryDirectory() as out_dir:
        renderer = renderer_type(cfg, resolved, Path(out_dir))
        _, feed = renderer.feed()
        sink = Measured(renderer, keep)
        started = time.perf_counter()
        dream_frames(
            renderer, feed, sink, stop_after_frame=lambda: False, progress=lambda index, summary: None
        )
        seconds = time.perf_counter() - started - sink.seconds
        feed.close()
    smooth = summarise(sink.residuals, sink.dreamed) if sink.residuals else None
    return {
        "seconds": seconds,
        "frames": resolved.frame_count,
        "dreamed": sum(sink.dreamed),
        "dreamed_flags": sink.dreamed,  # per output frame: dreamed (True) or made between dreams
        "strengths": sink.strengths,
        "smoothness": smooth,
        "kept": sink.kept,
        "renderer": renderer,
    }


def sampled(count: int, frames: int) -> list[int]:
    """`count` frame indices evenly spread over frames 1 .. frames - 1 (frame 0 is the same every way)."""
    return sorted({int(round(i)) for i in np.linspace(1, frames - 1, max(1, count))})


def time_samples(dream_one, indices: list[int], inputs: dict[int, np.ndarray], device: torch.device) -> float:
    """Mean seconds of one frame's dream over the sampled indices (input: (a)'s previous output moved),
    each timed with the device's queue waited for at both ends (measure.timed): a GPU runs on after
    the call returns, so a bare clock would time the launch and bill the work to the next sample."""
    total = 0.0
    for index in indices:
        total += timed(partial(dream_one, inputs[index - 1], index), device)[0]
    return total / len(indices)


def reference_dreamer(cfg: RenderConfig, fps: float, renderer: Renderer):
    """A full dream per frame the plain way, on the layer with the most weight at that frame."""
    plain = load_features(cfg.model, cfg.seed).to(renderer.network.device)
    space = renderer.network.space

    def dream_one(previous: np.ndarray, index: int) -> np.ndarray:
        frame = renderer.camera.warp(previous, (index - 1) / fps)
        terms = renderer.steering.objective_at(index, renderer.network.taps, space).terms
        params = cfg.dream.at(index / fps, first_frame=True)
        layer = max(terms, key=lambda term: term.weight).layer
        generator = frame_generator(cfg.seed, index)
        return reference_dream(space.encode(frame), plain, layer, params, generator, space, cfg.model.network)

    return dream_one


def measure(overrides: list[str], full_frames: int, reference_frames: int) -> dict:
    ours_cfg, ours_plan = ours = compose_config(overrides)
    full_cfg, full_plan = full_settings = compose_config([*overrides, "dream=full", "cadence=1"])
    frames, fps = ours_plan.frame_count, ours_plan.fps
    full_in_full = full_frames <= 0 or full_frames >= frames
    full_idx = [] if full_in_full else sampled(full_frames, frames)
    ref_idx = sampled(reference_frames, frames) if reference_frames > 0 else []
    ours = run_video(ours, keep={i - 1 for i in full_idx + ref_idx})
    per_second = {"ours": ours["seconds"] / frames * fps}
    print(f"(a) done: {per_second['ours']:.1f} s per second of video", file=sys.stderr, flush=True)
    result = {
        "overrides": overrides,
        "width": ours_plan.width,
        "height": ours_plan.height,
        "fps": fps,
        "frames": frames,
        "cadence": ours_cfg.cadence_for(clip=False),
        "dreamed_frames": ours["dreamed"],
        "smoothness_ours": ours["smoothness"],
    }
    if full_in_full:
        full = run_video(full_settings)
        per_second["full"] = full["seconds"] / frames * fps
        result["strength_kept"] = sum(ours["strengths"]) / sum(full["strengths"])
        ratios = np.array(ours["strengths"]) / np.array(full["strengths"])
        result["strength_kept_worst_frame"] = float(ratios.min())
        result["smoothness_full"] = full["smoothness"]
        renderer = full["renderer"]
    else:
        # the folder lives while the renderer dreams: colour.match=first saves its reference there
        scratch = tempfile.TemporaryDirectory()
        renderer = Renderer(full_cfg, full_plan, Path(scratch.name))

        def full_one(previous, index):
            dreamed = renderer.dream(renderer.camera.warp(previous, (index - 1) / fps), index)
            return renderer.colour(dreamed.image, index)

        per_second["full"] = time_samples(full_one, full_idx, ours["kept"], renderer.network.device) * fps
        result["full_sampled_frames"] = full_idx
    print(f"(b) done: {per_second['full']:.1f} s per second of video", file=sys.stderr, flush=True)
    if ref_idx:
        reference_one = reference_dreamer(full_cfg, fps, renderer)
        device = renderer.network.device
        per_second["reference"] = time_samples(reference_one, ref_idx, ours["kept"], device) * fps
        result["reference_sampled_frames"] = ref_idx
    result["seconds_per_video_second"] = per_second
    result["ratios"] = {f"ours/{k}": per_second["ours"] / v for k, v in per_second.items() if k != "ours"}
    return result


def report(r: dict) -> None:
    print(
        f"video {r['width']}x{r['height']} @ {r['fps']:g} fps, {r['frames']} frames, "
        f"cadence {r['cadence']} ({r['dreamed_frames']} dreamed); "
        f"overrides: {' '.join(r['overrides']) or '(none)'}"
    )
    for name, value in r["seconds_per_video_second"].items():
        ratio = r["ratios"].get(f"ours/{name}")
        print(
            f"{name:9s} {value:9.1f} s of compute per second of video"
            + (f"  ours = {ratio:.3f}x" if ratio else "")
        )
    if "strength_kept" in r:
        kept, worst = 100 * r["strength_kept"], 100 * r["strength_kept_worst_frame"]
        print(
            f"dream strength kept (objective on every output frame vs full dreams): {kept:.1f}% "
            f"(worst frame {worst:.1f}%)"
        )
    for name in ("ours", "full"):
        if s := r.get(f"smoothness_{name}"):
            if s["jump"] is None:
                jump = "n/a (every frame dreamed)"
            else:
                jump = (
                    f"{s['local_jump']:.2f}x the in-betweens around it "
                    f"({s['jump']:.2f}x the video's median, start-up transient included)"
                )
            print(
                f"smoothness {name}: residual mean {s['mean']:.4f}, worst {s['worst']:.4f}; "
                f"worst step into a dreamed frame {jump}"
            )


def main(argv: list[str] | None = None, extra: Callable[[list[str]], dict] | None = None) -> dict:
    """Measure, print and write JSON; `extra(overrides)` adds (and prints) more figures before the JSON
    is written (bench_colour's audit)."""
    parser = command_parser("python -m pipeline.bench --video", __doc__)
    parser.add_argument("overrides", nargs="*", help="render settings as key=value (width=320 cadence=2 ...)")
    parser.add_argument("--full-frames", type=int, default=0, help="0: full dreams on every frame")
    parser.add_argument(
        "--reference-frames",
        type=int,
        default=5,
        help="evenly spread frames the reference dreams (5: one in each stage of the deep schedule; 0: skip)",
    )
    parser.add_argument("--json", type=Path, default=Path("bench_video.json"))
    args = parser.parse_args(argv)
    check_json_path(args.json)  # before the measuring, which takes hours at real sizes
    compose_config(args.overrides)  # a mistake in the settings: one line, at once
    result = measure(args.overrides, args.full_frames, args.reference_frames)
    report(result)
    result.update(extra(args.overrides) if extra is not None else {})
    args.json.write_text(json.dumps(result, indent=2, default=str))
    print(f"results in {args.json}")
    return result
