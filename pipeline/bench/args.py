"""`python -m pipeline.bench`'s arguments, checked like a render's settings: one line and exit code 2."""

from __future__ import annotations

import argparse
import os
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
    check_layer_name(args.layer, "--layer")
    check_device_name(args.device)
    check_precision_name(args.precision)
    ModelConfig(weights=args.weights)
    DreamConfig(octaves=args.octaves, octave_scale=args.octave_scale, steps=str(args.steps),
                frame_octaves=args.frame_octaves, frame_steps=str(args.frame_steps),
                frame_lr=str(args.frame_lr))  # fmt: skip
    octaves = max(args.octaves, args.frame_octaves)
    check_pyramid(args.height, args.width, octaves, args.octave_scale, args.layer)
    check_json_path(args.json)
