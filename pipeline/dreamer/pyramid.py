"""The octave pyramid's sizes, and the check that its smallest level is big enough for the network."""

from __future__ import annotations

from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.plan import NetworkPlan
from pipeline.errors import UserError

BLUR_SIDE = 5  # the 9-tap smoothing blur (ascent.smooth): its reflect padding of 4 needs > 4 px


def octave_sizes(height: int, width: int, octaves: int, scale: float) -> list[tuple[int, int]]:
    """(h, w) of each pyramid level, smallest first, ending at the full size."""
    return [
        (max(1, round(height / scale**level)), max(1, round(width / scale**level)))
        for level in reversed(range(octaves))
    ]


def check_pyramid(
    height: int, width: int, octaves: int, octave_scale: float, layer: str, plan: NetworkPlan = VGG19
) -> None:
    """Refuse a pyramid whose smallest level is too small for the deepest layer, saying what would work."""
    # The layer must still have one position (the network's own size arithmetic: VGG19 halves at each
    # pool, Inception v3's unpadded stem shrinks faster); and the gradient's 9-tap smoothing blur pads
    # 4 px by reflection, which needs at least 5 px per side (BLUR_SIDE) at every level.
    min_side = max(plan.min_side(layer), BLUR_SIDE)
    smallest = octave_sizes(height, width, octaves, octave_scale)[0]
    if min(smallest) >= min_side:
        return
    fitting = [
        n for n in range(1, octaves) if min(octave_sizes(height, width, n, octave_scale)[0]) >= min_side
    ]
    advice = f"use dream.octaves={max(fitting)} or fewer" if fitting else "use a larger frame"
    short_side = min_side * octave_scale ** (octaves - 1)
    raise UserError(
        f"dream.octaves={octaves} at octave_scale={octave_scale} shrinks the {width}x{height} frame "
        f"to {smallest[1]}x{smallest[0]} px, but {plan.title}'s {layer} needs at least {min_side} px per "
        f"side: {advice}, a smaller dream.octave_scale, or a frame at least {short_side:.0f} px on its "
        "short side"
    )
