"""The dreamer a render or the stills build once: the network with what every dream shares.

That is the seed (each dream's jitter comes from (seed, index) alone, so any frame can be dreamed again
identically), the stop check (asked between gradient steps) and the memory budget that an out-of-memory
lowers for good (pipeline.dreamer.out_of_memory). A dream goes in as a frame and comes out as the dreamed
image in the network's pixel space with its objective, a small typed record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from pipeline.dreamer.ascent import Dreamed, dream, frame_generator
from pipeline.dreamer.out_of_memory import dream_within_memory
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.settings import DreamParams, Features, LayerWeights


@dataclass
class Network:
    taps: Features  # the network cut after the deepest layer, under the chosen precision
    space: PixelSpace  # frames <-> the network's normalised input, on its device
    device: torch.device


class Dreamer:
    def __init__(
        self,
        network: Network,
        seed: int,
        tile_pixels: int,
        should_stop: Callable[[], bool] | None = None,
    ):
        self.network, self.seed, self.should_stop = network, seed, should_stop
        self.tile_pixels = tile_pixels  # lowered for good if an image runs out of memory

    def dream(
        self, frame: np.ndarray, goal: LayerWeights, params: DreamParams, index: int, what: str = ""
    ) -> Dreamed:
        """Dream `frame` (float32 RGB HWC in [0, 1]) as image `index`; `what` names it in the log."""
        space = self.network.space

        def attempt(within: DreamParams) -> Dreamed:
            image = space.encode(frame)
            generator = frame_generator(self.seed, index)
            return dream(image, self.network.taps, goal, within, generator, space, self.should_stop)

        pixels = frame.shape[0] * frame.shape[1]
        dreamed, self.tile_pixels = dream_within_memory(
            attempt, params, self.tile_pixels, pixels, self.network.device, what or f"frame {index}"
        )
        return dreamed
