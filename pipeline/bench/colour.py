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

import numpy as np

from pipeline.bench import video as bench_video
from pipeline.bench.video import compose_config, strength
from pipeline.run.renderer import Renderer


class Audited(Renderer):
    """The render's own Renderer, noting for every dreamed frame after the first the objective of its
    input, of its dream, and of the dream after the colour match."""

    def __init__(self, *args):
        super().__init__(*args)
        self.gains: list[tuple[float, float]] = []  # (gain of the dream, gain left after the match)
        self.input_strength = 0.0

    def dream(self, frame: np.ndarray, index: int):
        self.input_strength = strength(self, frame, index)
        return super().dream(frame, index)

    def colour(self, frame: np.ndarray, index: int) -> np.ndarray:
        matched = self.colour_match(frame, index)
        if index > 0:
            before, after = strength(self, frame, index), strength(self, matched, index)
            self.gains.append((before - self.input_strength, after - self.input_strength))
        return matched


def audit_colour(overrides: list[str]) -> dict:
    """Render the video the overrides describe (nothing written) and return the gain kept: `kept` (all
    frames' gains after the match over all before), `median_frame` and `frames` (dreamed frames counted)."""
    gains = bench_video.run_video(compose_config(overrides), renderer_type=Audited)["renderer"].gains
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
        print(
            f"colour match keeps {kept:.1f}% of the dreams' objective gain "
            f"(median frame {median:.1f}%, {audit['frames']} dreamed frames)"
        )
    return {"colour_gain_kept": audit}


def main(argv: list[str] | None = None) -> dict:
    """`python -m pipeline.bench --video ...`: the per-video benchmark, with the colour audit when on."""
    return bench_video.main(argv, extra=colour_figures)
