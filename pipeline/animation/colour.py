"""Colour coherence settings: pull every frame's colours back towards a reference before it is fed back.

A feedback loop re-dreams its own output hundreds of times and each pass pushes contrast and saturation
up, until the picture is a few blown-out colours. deforum's `color_coherence` answers this by matching
each frame to the first one; this is the same idea. The schema imports no torch or OpenCV (`--help` stays
instant) and does no I/O: the reference file is checked when the render sets up (colour_match.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pipeline.animation.curves import Curves
from pipeline.cli.choices import Choice
from pipeline.errors import UserError


class Match(Choice):
    none = "none"  # colours drift with the dream
    first = "first"  # the first dreamed frame's colours
    image = "image"  # colour.reference's colours
    auto = "auto"  # first on a zoom render, none on a clip (the default: colour=default)


class Space(Choice):
    lab = "lab"
    hsv = "hsv"
    rgb = "rgb"


class Method(Choice):
    meanstd = "meanstd"  # each channel's mean and spread
    histogram = "histogram"  # each channel's whole distribution


@dataclass
class ColourConfig:
    # none | first: frame 0's dream's colours | image: `reference`'s colours | auto: first on a zoom render,
    # none on a clip (each clip frame starts from the clip's own colours: nothing builds up to drift)
    match: Match = Match.none
    reference: str | None = None  # match=image: path of the image whose colours every frame keeps
    space: Space = Space.hsv  # colour space the channels are matched in: hsv (measured best) | lab | rgb
    strength: str = "1.0"  # 0..1 share of the way each frame is pulled to the reference; or keyframes
    method: Method = Method.histogram  # histogram: whole distributions (measured best) | meanstd

    def __post_init__(self) -> None:
        if self.match == "image" and not self.reference:
            raise UserError("colour.match=image needs colour.reference=PATH (an image to take colours from)")
        if self.match != "image" and self.reference:
            raise UserError(
                f"colour.reference is set but colour.match={self.match}: use colour.match=image to match it"
            )
        # parses the keyframes and checks the first value; a render checks every frame's with its
        # soundtrack (pipeline.animation.curves)
        Curves({"colour": self}).at("colour.strength", 0.0)

    def for_render(self, clip: bool) -> ColourConfig:
        """These settings with `auto` made concrete for a render of a clip or not."""
        if self.match != Match.auto:
            return self
        return replace(self, match=Match.none if clip else Match.first)
