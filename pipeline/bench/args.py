"""`python -m pipeline.bench`'s arguments, checked like a render's settings: one line and exit code 2."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.animation.dream_config import DreamConfig
from pipeline.dreamer.layers import check_layer_name
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.dreamer.settings import ModelConfig, check_device_name, check_precision_name
from pipeline.errors import UserError


class OneLineParser(argparse.ArgumentParser):
    """argparse prints its whole usage before a mistake; the project's rule is the mistake, in one line."""

    def error(self, message: str) -> None:
        print(f"error: {message} (python -m pipeline.bench --help lists the options)", file=sys.stderr)
        sys.exit(2)


def check_args(args: argparse.Namespace) -> None:
    """Everything the benchmark would trip over minutes in, refused before the network is built."""
    for name in ("width", "height", "repeats", "peak_size"):  # peak_size None: chosen by the device
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.frames < 0:
        raise UserError(f"--frames must be 0 (skip the video comparison) or more, got {args.frames}")
    check_layer_name(args.layer, "--layer")
    check_device_name(args.device)
    check_precision_name(args.precision)
    ModelConfig(weights=args.weights)
    DreamConfig(octaves=args.octaves, octave_scale=args.octave_scale, steps=str(args.steps),
                frame_octaves=args.frame_octaves, frame_steps=str(args.frame_steps),
                frame_lr=str(args.frame_lr))  # fmt: skip
    octaves = max(args.octaves, args.frame_octaves)
    check_pyramid(args.height, args.width, octaves, args.octave_scale, args.layer)
    if not args.json.parent.is_dir():
        raise UserError(f"--json: no folder {args.json.parent} to write {args.json.name} into")


LOOP_COLOURS = ("none", "first_hsv", "first_lab")  # the colour presets (pipeline/conf/colour/)


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.strip().lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) < 2 or int(height) < 2:
        raise UserError(f"--sizes takes WIDTHxHEIGHT pairs such as 1280x720, got {text!r}")
    return int(width), int(height)


def parse_loop_args(argv: list[str] | None = None) -> argparse.Namespace:
    """`python -m pipeline.bench --loop`'s arguments (pipeline/bench/loop.py), checked before any run."""
    parser = OneLineParser(prog="python -m pipeline.bench --loop", description="the loop around the dream")
    parser.add_argument("overrides", nargs="*", help="more render settings as key=value (motion=spiral ...)")
    parser.add_argument("--sizes", default="1280x720,1920x1080", help="WIDTHxHEIGHT, comma-separated")
    parser.add_argument("--frames", type=int, default=240, help="frames per render")
    parser.add_argument("--cadences", default="6,1", help="cadences to run, comma-separated")
    parser.add_argument("--colours", default=",".join(LOOP_COLOURS), help="colour presets, comma-separated")
    parser.add_argument("--encoder", default="both", choices=("both", "on", "off"),
                        help="off: a stand-in that drops the bytes; on: real x264; both: each")  # fmt: skip
    parser.add_argument("--dir", help="where the renders write (default: the system's temporary folder)")
    parser.add_argument("--json", type=Path, default=Path("bench_loop.json"))
    args = parser.parse_args(argv)
    args.sizes = [_size(text) for text in args.sizes.split(",")]
    if args.frames < 2:
        raise UserError(
            f"--frames must be at least 2 (a cadence needs a frame between dreams), got {args.frames}"
        )
    if not all(text.strip().isdigit() and int(text) >= 1 for text in args.cadences.split(",")):
        raise UserError(f"--cadences takes whole numbers >= 1, comma-separated, got {args.cadences!r}")
    args.cadences = [int(text) for text in args.cadences.split(",")]
    args.colours = [text.strip() for text in args.colours.split(",")]
    if unknown := [name for name in args.colours if name not in LOOP_COLOURS]:
        raise UserError(f"--colours: {', '.join(unknown)} is not one of {', '.join(LOOP_COLOURS)}")
    if args.dir is not None and not Path(args.dir).is_dir():
        raise UserError(f"--dir: no folder {args.dir}")
    if not args.json.parent.is_dir():
        raise UserError(f"--json: no folder {args.json.parent} to write {args.json.name} into")
    return args
