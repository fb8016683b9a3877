"""What colour coherence costs the dream, measured inside one render: for every dreamed frame after the
first, the objective of its input, of the dream, and of the dream after the colour match. The share of the
dream's gain (dream minus input) that is left after the match is what the match leaves of the dream.

Comparing whole renders with and without the match says little: the objective rises with contrast and
saturation on their own (giving frame 0 a drifted render's palette, with no dreaming at all, raised a random
VGG19's objective 11x), so the drifting render scores high for its blown-out colours. Run it with
`model.weights=imagenet` to judge real dreams; random weights dream mostly colour, which the match undoes.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import numpy as np

from pipeline.bench import video as bench_video
from pipeline.bench.video import compose_config, strength
from pipeline.run.renderer import Renderer


def audit_colour(overrides: list[str]) -> dict:
    """Render the video the overrides describe (nothing written) and return the gain kept: `kept` (all
    frames' gains after the match over all before), `median_frame` and `frames` (dreamed frames counted)."""
    cfg, resolved = compose_config(overrides)
    gains: list[tuple[float, float]] = []  # (gain of the dream, gain left after the match) per frame
    with tempfile.TemporaryDirectory() as out_dir:
        renderer = Renderer(cfg, resolved, Path(out_dir))
        _, feed = renderer.feed()
        match, dream, seen = renderer.colour, renderer.dream, {}

        def dream_seen(frame: np.ndarray, index: int):
            seen["input"] = strength(renderer, frame, index)
            return dream(frame, index)

        def match_seen(frame: np.ndarray, index: int) -> np.ndarray:
            matched = match(frame, index)
            if index > 0:
                before, after = strength(renderer, frame, index), strength(renderer, matched, index)
                gains.append((before - seen["input"], after - seen["input"]))
            return matched

        renderer.dream, renderer.colour = dream_seen, match_seen
        for index in range(resolved.frame_count):
            feed.frame_at(index, renderer)
        feed.close()
    total = sum(before for before, _ in gains)
    per_frame = [after / before for before, after in gains if before]
    return {
        "kept": sum(after for _, after in gains) / total if total else None,
        "median_frame": statistics.median(per_frame) if per_frame else None,
        "frames": len(gains),
    }


def colour_figures(overrides: list[str]) -> dict:
    """The audit, printed, when the settings turn colour coherence on; nothing otherwise."""
    if compose_config(overrides)[0].colour.match == "none":
        return {}
    audit = audit_colour(overrides)
    if audit["kept"] is not None:
        kept, median = 100 * audit["kept"], 100 * audit["median_frame"]
        print(f"colour match keeps {kept:.1f}% of the dreams' objective gain "
              f"(median frame {median:.1f}%, {audit['frames']} dreamed frames)")  # fmt: skip
    return {"colour_gain_kept": audit}


def main(argv: list[str] | None = None) -> dict:
    """`python -m pipeline.bench --video ...`: the per-video benchmark, with the colour audit when on."""
    return bench_video.main(argv, extra=colour_figures)
