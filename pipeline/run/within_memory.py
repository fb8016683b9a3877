"""Dreaming a frame within memory: if a pass runs out, the frame is dreamed again with its gradient in
smaller tiles (the same gradient, more passes), and the smaller budget is kept for the frames after it."""

from __future__ import annotations

import logging
import math
from dataclasses import replace

import numpy as np
import torch

from pipeline.dreamer.ascent import dream, frame_generator
from pipeline.dreamer.settings import DreamParams, LayerWeights
from pipeline.run.setup import Network

log = logging.getLogger(__name__)


class WithinMemory:
    def __init__(self, network: Network, seed: int, tile_pixels: int):
        self.network, self.seed = network, seed
        self.tile_pixels = tile_pixels  # lowered for good if a frame runs out of memory

    def dream(self, frame: np.ndarray, weights: LayerWeights, params: DreamParams, index: int, stats: dict):
        """Dream; if memory runs out, retry the frame with the gradient in smaller tiles (the same
        gradient, more passes) and keep the smaller budget for the frames after it."""
        space, device = self.network.space, self.network.device
        while True:
            side = max(16, math.isqrt(self.tile_pixels) // 16 * 16)  # tiles stay on the pooling grid
            params = replace(
                params, tile_pixels=min(params.tile_pixels, self.tile_pixels), tile=min(params.tile, side)
            )
            try:
                generator = frame_generator(self.seed, index)
                return dream(space.encode(frame), self.network.taps, weights, params, generator, space, stats)
            except RuntimeError as error:  # torch's OutOfMemoryError is a RuntimeError too
                if not _out_of_memory(error) or self.tile_pixels < 2 * 16 * 16:
                    raise
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                self.tile_pixels = min(self.tile_pixels, frame.shape[0] * frame.shape[1]) // 4
                log.warning("frame %d ran out of memory; retrying in tiles of %d px", index, self.tile_pixels)


def _out_of_memory(error: BaseException) -> bool:
    """CUDA says "CUDA out of memory"; the CPU allocator "DefaultCPUAllocator: can't allocate memory"."""
    text = str(error).lower()
    return "out of memory" in text or "can't allocate" in text
