"""Quality benchmark on trained features: `python -m pipeline.bench --quality [options] [overrides ...]`.

Dreams a real photo (scikit-image's astronaut; chelsea the cat as the guide) on the trained stand-in
(`model=inception_v3 model.weights=standin`, ImageNet layers through mixed5) and prints one table:
(1) a zoom with the defaults (light frames, cadence, settle) against a full dream on every frame: strength
kept, the worst frame, smoothness and the jump into dreamed frames, time and the cost ratio; (2) colour
coherence over a long render: the largest drift from frame 0 with and without it, and the strength it keeps;
(3) a still towards a guide and one on a single channel: similarity to the guide, the channel's gain against
the others'. Contact sheets go into --out to be looked at; the numbers into --out/quality.json. A benchmark:
nothing asserts. Random weights measure colour grain, not dreams (docs/quality.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2

from pipeline.bench import quality_sections as sections
from pipeline.bench.quality_report import report, write_sheets
from pipeline.errors import UserError

NETWORK = ["model=inception_v3", "model.weights=standin"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    from pipeline.bench.args import command_parser

    parser = command_parser("python -m pipeline.bench --quality", __doc__)
    parser.add_argument("overrides", nargs="*", help="render settings on top (dream.lr=0.05 cadence=4 ...)")
    parser.add_argument("--out", type=Path, default=Path("outputs/bench_quality"), help="sheets and JSON")
    parser.add_argument("--layer", default="mixed3", help="a layer of the stand-in's ImageNet part")
    parser.add_argument("--zoom-frames", type=int, default=48)
    parser.add_argument("--zoom-size", default="320x180", help="WIDTHxHEIGHT of the zoom comparison")
    parser.add_argument("--colour-frames", type=int, default=300)
    parser.add_argument("--colour-size", default="224x126", help="WIDTHxHEIGHT of the colour comparison")
    parser.add_argument("--coherence", default="colour=default", help="the colour settings compared")
    parser.add_argument("--channel", type=int, default=97, help="the channel of --layer the still dreams")
    parser.add_argument("--only", default="zoom,colour,stills", help="sections to run, comma-separated")
    parser.add_argument("--random", action="store_true", help="random weights (the old yardstick)")
    args = parser.parse_args(argv)
    size(args.zoom_size), size(args.colour_size)  # a bad size is one line now, not minutes in
    for name in ("zoom_frames", "colour_frames"):
        if getattr(args, name) < 2:
            raise UserError(f"--{name.replace('_', '-')} must be at least 2, got {getattr(args, name)}")
    return args


def size(text: str) -> tuple[int, int]:
    """WIDTHxHEIGHT in pixels (the render checks the rest: even sides, the network's smallest)."""
    width, _, height = text.partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) >= 2 and int(height) >= 2):
        raise UserError(f"expected a size as WIDTHxHEIGHT, like 320x180, got {text!r}")
    return int(width), int(height)


def photo(folder: Path, name: str) -> str:
    """A photo bundled with scikit-image, written as PNG for `input=`."""
    import skimage.data

    path = folder / f"{name}.png"
    cv2.imwrite(str(path), cv2.cvtColor(getattr(skimage.data, name)(), cv2.COLOR_RGB2BGR))
    return str(path)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.out.mkdir(parents=True, exist_ok=True)
    network = ["model.weights=random"] if args.random else NETWORK
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as folder:
        picture, guide = photo(Path(folder), "astronaut"), photo(Path(folder), "chelsea")
        common = [
            *network,
            f"input={picture}",
            "layer_schedule=single",
            f"layer_schedule.layer={args.layer}",
            "motion=zoom",
            "contact_sheet=false",
            *args.overrides,
        ]
        at = lambda text: [f"width={size(text)[0]}", f"height={size(text)[1]}"]  # noqa: E731
        only, result = args.only.split(","), {"overrides": args.overrides, "layer": args.layer}
        sizes = {"zoom": args.zoom_size, "colour": args.colour_size, "stills": args.zoom_size}
        check_settings([[*common, *at(sizes[name])] for name in only if name in sizes])
        result["network"] = "random" if args.random else "stand-in"
        if "zoom" in only:
            result["zoom"] = sections.zoom([*common, *at(args.zoom_size)], args.zoom_frames)
            result["zoom"]["size"] = args.zoom_size
        if "colour" in only:
            result["colour"] = sections.colour(
                [*common, *at(args.colour_size)], args.colour_frames, args.coherence.split()
            )
            result["colour"]["size"] = args.colour_size
        if "stills" in only:
            result["stills"] = sections.stills(
                [*common, *at(args.zoom_size)], picture, guide, args.layer, args.channel, size(args.zoom_size)
            )
    report(result)
    write_sheets(result, args.out)
    (args.out / "quality.json").write_text(json.dumps(result, indent=2, default=_plain))
    print(f"contact sheets and quality.json in {args.out}")
    return result


def check_settings(sections: list[list[str]]) -> None:
    """Every section's settings, checked before the first is measured: a pyramid too deep for a size
    (the deepest layer's smallest input) is one line now, not after the zoom's minutes."""
    from pipeline.bench.video import compose_config
    from pipeline.dreamer.pyramid import check_pyramid

    for overrides in sections:
        cfg, plan = compose_config(overrides)
        deepest, dream = cfg.layer_schedule.deepest_layer(), cfg.dream
        check_pyramid(
            plan.height, plan.width, dream.most_octaves, dream.octave_scale, deepest, cfg.model.network
        )


def _plain(value):
    """JSON for what json cannot write: pictures are left out (they are in the sheets)."""
    return None if hasattr(value, "shape") else str(value)
