"""Out of memory in the middle of a dream is not fatal: free what the failed attempt held, then dream the
same image again with its gradient in smaller tiles (the same gradient, in more passes), and keep the
smaller budget for the images after it (pipeline.dreamer.dreamer.Dreamer holds it).
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import torch

from pipeline.dreamer.device import empty_cache
from pipeline.dreamer.settings import DreamParams

log = logging.getLogger(__name__)
T = TypeVar("T")
SMALLEST_BUDGET = 2 * 16 * 16  # pixels: below this a tile cannot shrink further on VGG19's pooling grid

# What each allocator says when it gives up: CUDA's caching allocator, cuDNN's workspace, Apple's MPS
# ("MPS backend out of memory"), and the CPU's default allocator.
OUT_OF_MEMORY = ("out of memory", "cudnn_status_alloc_failed", "can't allocate memory")


def is_out_of_memory(error: BaseException) -> bool:
    text = str(error).lower()
    # torch.cuda.OutOfMemoryError: in every torch we admit (2.5+ aliases it to torch.OutOfMemoryError)
    return isinstance(error, torch.cuda.OutOfMemoryError) or any(words in text for words in OUT_OF_MEMORY)


def within_budget(params: DreamParams, budget: int) -> DreamParams:
    """`params` with levels above `budget` pixels tiled, in square tiles on the pooling grid."""
    side = max(16, math.isqrt(budget) // 16 * 16)
    return replace(params, tile_pixels=min(params.tile_pixels, budget), tile=min(params.tile, side))


def release_memory(device: torch.device) -> None:
    """Collect what the failed attempt left (reference cycles included), then return the allocator's
    now-free blocks to the driver so the retry (and the driver's other users) can have them."""
    gc.collect()
    empty_cache(device)


def dream_within_memory(
    attempt: Callable[[DreamParams], T],
    params: DreamParams,
    budget: int,
    pixels: int,
    device: torch.device,
    what: str,
) -> tuple[T, int]:
    """attempt(params within the budget); on running out of memory, again in tiles of a quarter of the
    budget (at most a quarter of the image's `pixels`). Returns (result, the budget that worked)."""
    while True:
        try:
            return attempt(within_budget(params, budget)), budget
        except RuntimeError as error:  # torch's OutOfMemoryError is a RuntimeError too
            if not is_out_of_memory(error) or budget < SMALLEST_BUDGET:
                raise
        # Out of the except block: the exception and its traceback (which kept the failed attempt's
        # frames and their tensors alive) are gone, so this frees them.
        release_memory(device)
        budget = min(budget, pixels) // 4
        log.warning("%s ran out of memory; retrying in tiles of %d px", what, budget)
