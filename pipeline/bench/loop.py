"""Loop benchmark: what everything around the dream costs, per frame, through the render's own loop.

`python -m pipeline.bench --loop [--sizes 1280x720,1920x1080] [--frames 240] [--cadences 6,1]
[--colours none,default] [--encoder both|on|off] [--json P]`

On a GPU the dream is the fast part, so the loop around it (warps and in-betweens, the colour match, the
quality figures, PNG, manifest and checkpoint, the MP4 writer) decides the frame rate. This runs
`dream_frames` with the real FrameSink, Mp4Writer, Manifest and checkpoint, and a Renderer whose dream is
a zero-cost stand-in (the input comes back as the dream, with a plausible manifest record). Each stage is
timed by a subclass or wrapper here (the production loop carries no timing code): the loop thread's
stages (warps, colour, waiting for the writer) and the writer thread's run side by side, so the stages
add up to more than the wall time. x264 runs in its own process and competes for the same cores, so each
setting runs twice: with a stand-in encoder that makes the 8-bit bytes and drops them (`everything but
x264`, the loop's own cost), and with the real one (its pipe writes timed apart; frames/s of the whole).
Wall times on a machine shared with other work grow with its load; this process's CPU time (all its
threads, x264 excluded) much less, so both are printed. Nothing here asserts: the numbers and their
ratios are the result.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

from pipeline.bench.args import parse_loop_args
from pipeline.bench.stand_ins import NoEncoder, StageClock, StandIn, TimedFeed, TimedMp4, TimedSink
from pipeline.bench.video import compose_config
from pipeline.output.manifest import Manifest
from pipeline.run.loop import dream_frames


def run_once(overrides: list[str], encoder: bool, scratch: Path) -> dict:
    """One render through the loop; seconds per stage and of the whole (loop, then the MP4's close)."""
    cfg, plan = compose_config(overrides)
    clock = StageClock()
    with tempfile.TemporaryDirectory(dir=scratch) as out_dir:
        renderer = StandIn(cfg, plan, Path(out_dir), clock)
        start, feed = renderer.feed()
        writer = TimedMp4 if encoder else NoEncoder
        with writer(renderer.video_path, plan.width, plan.height, plan.fps, cfg.video, clock=clock) as video:
            sink = TimedSink(
                Path(out_dir),
                video,
                Manifest(Path(out_dir), start),
                cfg.preview_every,
                clock.wrap("preview", renderer.page.write),
                clock=clock,
            )
            began, cpu = time.perf_counter(), time.process_time()
            try:
                dream_frames(renderer, TimedFeed(feed, clock), sink, lambda: False, lambda i, s: None)
            finally:
                feed.close()
                sink.close()
                sink.manifest.close()
            looped = time.perf_counter() - began
            video.close()  # x264's lookahead is encoded here: part of its cost
            whole, cpu = time.perf_counter() - began, time.process_time() - cpu
    frames = video.frames_written
    return {
        "frames": frames,
        "loop_s": looped,
        "whole_s": whole,
        "cpu_s": cpu,
        "stage_ms": {name: 1e3 * s / frames for name, s in clock.seconds.items()},
    }


def settings(width: int, height: int, frames: int, cadence: int, colour: str, extra: list[str]) -> list[str]:
    """A zoom render at that size through the stand-in: one shallow layer (the network is built, never
    run), the CPU, the YouTube preset for the size; `extra` overrides come last."""
    preset = "youtube_720p" if height <= 720 else "youtube_1080p" if height <= 1080 else "youtube_4k"
    return [
        f"width={width}",
        f"height={height}",
        f"frames={frames}",
        f"cadence={cadence}",
        f"colour={colour}",
        "layer_schedule=single",
        "layer_schedule.layer=conv1_1",
        "device=cpu",
        "precision=fp32",
        f"video={preset}",
        *extra,
    ]


def cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def measure(args) -> dict:
    scratch = Path(args.dir) if args.dir else None
    result = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
        "frames": args.frames,
        "runs": [],
    }
    print(
        f"loop benchmark: stand-in dream (identity), {result['cpu']}, {result['cores']} cores, "
        f"load {_load(result['load_before'])}; ms per written frame"
    )
    print(HEADER)
    for width, height in args.sizes:
        for cadence in args.cadences:
            for colour in args.colours:
                overrides = settings(width, height, args.frames, cadence, colour, args.overrides)
                row = {"width": width, "height": height, "cadence": cadence, "colour": colour}
                if args.encoder in ("both", "off"):
                    row["without_x264"] = run_once(overrides, False, scratch)
                if args.encoder in ("both", "on"):
                    row["with_x264"] = run_once(overrides, True, scratch)
                result["runs"].append(row)
                print(row_line(row), flush=True)
    result["load_after"] = os.getloadavg()
    print(f"load after: {_load(result['load_after'])}")
    return result


# stage -> column: the loop's thread (warps, colour, its wait for the writer), the writer's (8-bit .. preview,
# the x264 pipe), the checkpoint's own thread (its fsyncs)
COLUMNS = {
    "warps": "warps",
    "colour": "colour",
    "writer wait": "wait",
    "8-bit": "8-bit",
    "png": "png",
    "quality": "quality",
    "manifest": "manif.",
    "checkpoint": "ckpt",
    "preview": "preview",
    "checkpoint thread": "ckpt-th",
}
HEADER = (
    f"{'size':>9} {'cad':>3} {'colour':>9} | "
    + " ".join(f"{label:>7}" for label in COLUMNS.values())
    + f" | {'no x264':>7} {'fps':>5} {'cpu':>6} | {'x264':>7} {'fps':>5} {'pipe':>6}"
)


def row_line(row: dict) -> str:
    """One setting: stage ms/frame (from the run without x264 where there is one), the wall ms/frame,
    frames/s and this process's CPU ms/frame without x264, then with it and its pipe writes' share. On a
    machine shared with other work the wall times grow with the load; the CPU time much less."""
    own, real = row.get("without_x264"), row.get("with_x264")
    stages = (own or real)["stage_ms"]
    cells = [f"{row['width']}x{row['height']:<4} {row['cadence']:>3} {row['colour']:>9} |"]
    cells += [f"{stages.get(name, 0.0):7.1f}" for name in COLUMNS]
    for run, last in ((own, "cpu"), (real, "pipe")):
        if run is None:
            cells.append("|" + " " * 21)
            continue
        per_frame = 1e3 * run["whole_s"] / run["frames"]
        cells.append(f"| {per_frame:7.1f} {1e3 / per_frame:5.1f}")
        if last == "cpu":  # this process's CPU, all its threads (x264 is another process)
            cells.append(f"{1e3 * run['cpu_s'] / run['frames']:6.1f}")
        else:
            cells.append(f"{run['stage_ms'].get('x264 pipe', 0.0):6.1f}")
    return " ".join(cells)


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


def main(argv: list[str] | None = None) -> dict:
    """`python -m pipeline.bench --loop ...`: measure, print, write JSON."""
    args = parse_loop_args(argv)
    logger = logging.getLogger("pipeline")
    level = logger.level
    logger.setLevel(logging.ERROR)  # the random weights' warning once per run: many lines of noise
    try:
        result = measure(args)
    finally:
        logger.setLevel(level)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"results in {args.json}")
    return result
