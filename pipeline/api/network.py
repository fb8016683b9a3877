"""The network a `pipeline.Dreamer` keeps: loaded once, cut deeper only when a dream asks for a deeper layer
(from the weights already read), checked for each image as the stills command checks it, released on request.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import numpy as np

from pipeline.config import StillsConfig

log = logging.getLogger(__name__)


class KeptNetwork:
    def __init__(self, cfg: StillsConfig) -> None:
        """Apply `threads` and load the network up to the deepest of the settings' layers."""
        if cfg.threads > 0:  # torch's and OpenCV's CPU threads for this process, as the CLI sets them
            import cv2
            import torch

            torch.set_num_threads(cfg.threads)
            cv2.setNumThreads(cfg.threads)
        self.network: Any = None  # pipeline.dreamer.dreamer.Network: taps, pixel space, device
        self.depth: str | None = None  # the deepest layer the loaded cut reaches; None: not loaded
        self._core: Any = None  # pipeline.dreamer.dreamer.Dreamer over it
        self._budget = (
            sys.maxsize
        )  # pixels; only running out of memory lowers it (each dream's tile_pixels applies)
        self._load(cfg, cfg.deepest_layer())

    def fit(self, cfg: StillsConfig, height: int, width: int, last: str) -> None:
        """The CLI's checks for an image of this size dreamed down to `last` (the pyramid fits the layer,
        the largest pass fits in memory), then the network cut deep enough for it."""
        from pipeline.run.setup import check_dreamer

        check_dreamer(cfg, height, width, last, cfg.dream.octaves)
        needed = last if self.depth is None else cfg.model.network.deepest([self.depth, last])
        if needed != self.depth:
            self._load(cfg, needed)

    def dream(self, frame: np.ndarray, goal: Any, cfg: StillsConfig, what: str, tick) -> np.ndarray:
        """`frame` dreamed once towards `goal` with the settings' first-frame strength, as image 0 (the
        stills' jitter); `tick` is asked before every step. Float RGB in [0, 1] in, and out."""
        self._core.should_stop = tick
        result = self._core.dream(frame, goal, cfg.dream.at(0.0, first_frame=True), 0, what=what)
        self._budget = self._core.tile_pixels
        log.info("%s: objective %.4g -> %.4g", what, result.objective_start, result.objective_end)
        return self.network.space.decode(result.image)

    def release(self) -> None:
        """Drop the network and the process's cached weights (pipeline.dreamer.load), collect, and hand
        a GPU allocator's free blocks back."""
        import gc

        from pipeline.dreamer import load
        from pipeline.dreamer.device import empty_cache

        device = self.network.device if self.network is not None else None
        self.network = self._core = self.depth = None
        load._LAST_LOADED.clear()  # the one network a sweep keeps between jobs
        gc.collect()
        if device is not None:
            empty_cache(device)

    def _load(self, cfg: StillsConfig, last: str) -> None:
        from pipeline.dreamer.device import resolve_device
        from pipeline.dreamer.dreamer import Dreamer
        from pipeline.run.setup import load_network

        self.network = self._core = None  # the old cut is freed before the new one is made
        self.network = load_network(cfg, resolve_device(cfg.device), last)
        self._core, self.depth = Dreamer(self.network, cfg.seed, self._budget), last
