"""The octave pyramid's sizes, and the check that its smallest level is big enough for the network."""

from __future__ import annotations

from pipeline.dreamer.vgg import pools_before
from pipeline.errors import UserError

BLUR_SIDE = 5  # the 9-tap smoothing blur (ascent.smooth): its reflect padding of 4 needs > 4 px


def octave_sizes(height: int, width: int, octaves: int, scale: float) -> list[tuple[int, int]]:
    """(h, w) of each pyramid level, smallest first, ending at the full size."""
    return [
        (max(1, round(height / scale**level)), max(1, round(width / scale**level)))
        for level in reversed(range(octaves))
    ]


def check_pyramid(height: int, width: int, octaves: int, octave_scale: float, layer: str) -> None:
    """Refuse a pyramid whose smallest level is too small for the deepest layer, saying what would work."""
    # Every pool halves the image, so the layer must still see 1x1; and the gradient's 9-tap smoothing blur
    # pads 4 px by reflection, which needs at least 5 px per side (BLUR_SIDE) at every level.
    min_side = max(2 ** pools_before(layer), BLUR_SIDE)
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
        f"to {smallest[1]}x{smallest[0]} px, but layer {layer} needs at least {min_side} px per side: "
        f"{advice}, a smaller dream.octave_scale, or a frame at least {short_side:.0f} px on its short side"
    )
