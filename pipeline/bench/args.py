"""`python -m pipeline.bench`'s arguments, checked like a render's settings: one line and exit code 2."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.animation.dream_config import DreamConfig
from pipeline.dreamer.networks import NETWORKS
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.dreamer.settings import ModelConfig, check_device_name, check_precision_name
from pipeline.errors import UserError


class OneLineParser(argparse.ArgumentParser):
    """argparse prints its whole usage before a mistake; the project's rule is the mistake, in one line."""

    def error(self, message: str) -> None:
        print(f"error: {message} (python -m pipeline.bench --help lists the options)", file=sys.stderr)
        sys.exit(2)


def command_parser(prog: str, description: str) -> OneLineParser:
    """A bench command's parser: its module docstring as the help text, kept as written."""
    return OneLineParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )


MOST = {"width": 16384, "height": 16384, "peak_size": 4096, "repeats": 1000}  # far past any real use


def check_json_path(path: Path) -> None:
    """The results file must be writable before hours are spent measuring what goes into it."""
    if path.is_dir():
        raise UserError(
            f"--json: {path} is a folder; name the file to write, e.g. --json {path / 'bench.json'}"
        )
    if not path.parent.is_dir():
        raise UserError(f"--json: no folder {path.parent} to write {path.name} into")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"--json: cannot write {path} (permissions); pass a path you can write")


def check_args(args: argparse.Namespace) -> None:
    """Everything the benchmark would trip over minutes in, refused before the network is built."""
    for name in ("width", "height", "repeats", "peak_size"):  # peak_size None: chosen by the device
        value, flag = getattr(args, name), f"--{name.replace('_', '-')}"
        if value is not None and not 1 <= value <= MOST[name]:
            raise UserError(f"{flag} must be 1..{MOST[name]}, got {value}")
    if args.frames < 0:
        raise UserError(f"--frames must be 0 (skip the video comparison) or more, got {args.frames}")
    args.models = read_models(args.model)
    if args.layer is not None and len(args.models) > 1:
        raise UserError(
            f"--layer names one network's layer, but --model {args.model} benchmarks {len(args.models)}: "
            "drop --layer (each dreams its own default) or pick one --model"
        )
    check_device_name(args.device)
    check_precision_name(args.precision)
    DreamConfig(
        octaves=args.octaves,
        octave_scale=args.octave_scale,
        steps=str(args.steps),
        frame_octaves=args.frame_octaves,
        frame_steps=str(args.frame_steps),
        frame_lr=str(args.frame_lr),
    )
    octaves = max(args.octaves, args.frame_octaves)
    for name in args.models:
        model = ModelConfig(name=name, weights=args.weights)
        layer = args.layer or model.network.default_layer
        model.check_layer(layer, "--layer")
        check_pyramid(args.height, args.width, octaves, args.octave_scale, layer, model.network)
    check_json_path(args.json)


def read_models(text: str) -> list[str]:
    """`--model`: one network, a comma list, or all of them (in the order the registry lists them)."""
    names = list(NETWORKS) if text.strip() == "all" else [name.strip() for name in text.split(",")]
    wrong = [name for name in names if name not in NETWORKS]
    if wrong or not names:
        raise UserError(f"--model: unknown network {', '.join(wrong)!r}; use {', '.join(NETWORKS)}, or all")
    return list(dict.fromkeys(names))


LOOP_COLOURS = ("none", "default", "first_hsv", "first_lab")  # the colour presets (pipeline/conf/colour/)


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
    parser.add_argument("--colours", default="none,default", help="colour presets, comma-separated")
    parser.add_argument(
        "--encoder",
        default="both",
        choices=("both", "on", "off"),
        help="off: a stand-in that drops the bytes; on: real x264; both: each",
    )
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
    check_json_path(args.json)
    return args
