"""Everything a render builds once and checks before its first frame, and dreaming one frame with it.

The loop in pipeline/render.py asks a Renderer for its starting point and feed, and for each frame's dream.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from pipeline.animation.cadence import CadenceFeed
from pipeline.animation.camera import Camera
from pipeline.animation.coherence import Coherence
from pipeline.animation.feeds import ClipFeed, ZoomFeed
from pipeline.animation.schedule import LayerSchedule
from pipeline.config import RenderConfig
from pipeline.dreamer.ascent import dream, frame_generator
from pipeline.dreamer.device import resolve_device
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.precision import Autocast, resolve_precision
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.dreamer.tiles import tile_geometry
from pipeline.dreamer.weights import load_taps
from pipeline.errors import UserError
from pipeline.output.manifest import read_manifest
from pipeline.output.previews import contact_sheet
from pipeline.output.video import Mp4Writer
from pipeline.run.checkpoint import load_checkpoint
from pipeline.run.preflight import check_disk, check_memory
from pipeline.sources.image import load_image, noise_image, read_png

log = logging.getLogger(__name__)


class Renderer:
    """Everything built once per render, validated before the first frame: device, schedule, camera,
    network taps and output folders."""

    def __init__(self, cfg: RenderConfig, out_dir: Path):
        self.cfg, self.out_dir = cfg, out_dir
        self.device = resolve_device(cfg.device)
        self.schedule = LayerSchedule(cfg.layer_schedule, cfg.fps, cfg.frame_count)
        deepest = cfg.layer_schedule.deepest_layer()
        check_pyramid(cfg.height, cfg.width, cfg.dream.most_octaves, cfg.dream.octave_scale, deepest)
        self.camera = Camera(cfg.motion, cfg.fps, cfg.width, cfg.height)
        self.frames_dir = out_dir / "frames"
        if cfg.resume is None and any(self.frames_dir.glob("*.png")):
            raise UserError(f"{self.frames_dir} already holds frames; to continue it use resume={out_dir}")
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        check_disk(out_dir, cfg.frame_count, cfg.width, cfg.height)
        margin, _ = tile_geometry(deepest)
        check_memory(
            cfg.height, cfg.width, deepest, cfg.dream.tile_pixels, cfg.dream.tile, margin, self.device
        )
        self.tile_pixels = cfg.dream.tile_pixels  # lowered for good if a frame runs out of memory
        self.video_path = out_dir / cfg.video.filename
        dtype = resolve_precision(cfg.precision, self.device)
        self.taps = Autocast(load_taps(cfg.model, cfg.seed, deepest, self.device), self.device, dtype)
        self.space = PixelSpace.imagenet(self.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # frame sizes repeat: let cuDNN pick its fastest kernels
        precision = str(dtype).removeprefix("torch.")
        log.info("dreaming on %s (%s), up to layer %s", self.device, precision, deepest)

    def feed(self) -> tuple[int, ZoomFeed | ClipFeed | CadenceFeed]:
        """(first frame to dream, where inputs come from): a clip, or the zoom loop from a photo or noise;
        resuming, from the saved state."""
        saved = load_checkpoint(self.out_dir) if self.cfg.resume else None
        start = min(saved.next_index, self.cfg.frame_count) if saved else 0
        if saved is not None:
            log.info("resuming %s at frame %d", self.out_dir, start)
        if self.cfg.clip is not None:
            if self.camera.moved():
                log.warning("the camera moves through the clip (motion.*); motion=still keeps its framing")
            carry = saved.frame if saved else None
            return start, ClipFeed(
                Path(self.cfg.input), self.camera, Coherence(self.cfg.coherence), start, carry
            )
        if saved is not None:
            return start, self._zoom_feed(start, saved.frame)
        if self.cfg.input is None:
            return 0, self._zoom_feed(0, noise_image(self.cfg.width, self.cfg.height, self.cfg.seed))
        return 0, self._zoom_feed(0, load_image(self.cfg.input, self.cfg.width, self.cfg.height))

    def _zoom_feed(self, start: int, carried: np.ndarray) -> ZoomFeed | CadenceFeed:
        """With cadence, `carried` is the last dream (resuming) or the first input; else the next input."""
        if self.cfg.cadence == 1:
            return ZoomFeed(self.camera, carried)
        return CadenceFeed(self.camera, self.cfg.cadence, self.cfg.frame_count, start, carried)

    def encode_done_frames(self, video: Mp4Writer, start: int) -> None:
        """A resumed render re-encodes the frames already on disk (exact: they are the 8-bit frames)."""
        for index in range(start):
            video.write(read_png(self.frames_dir / f"{index:06d}.png"))

    def dream(self, frame: np.ndarray, index: int) -> tuple[np.ndarray, dict]:
        """Dream one frame; return it with its manifest record."""
        started, t = time.perf_counter(), index / self.cfg.fps
        params = self.cfg.dream.at(t, first_frame=index == 0)
        stats: dict = {}
        record = self.describe(index)
        dreamed = self._dream_within_memory(frame, record["layers"], params, index, stats)
        record.update(octaves=params.octaves, steps=params.steps, lr=params.lr, **stats)
        return self.space.decode(dreamed), {
            **record,
            "dream_seconds": round(time.perf_counter() - started, 4),
        }

    def describe(self, index: int) -> dict:
        """What the manifest says of any frame, dreamed or not: when it is, its layers, the camera."""
        t = index / self.cfg.fps
        return {"index": index, "time": round(t, 6), "layers": self.schedule.weights_at(index),
                "motion": self.camera.values_at(t)}  # fmt: skip

    def _dream_within_memory(self, frame, weights, params, index: int, stats: dict):
        """Dream; if memory runs out, retry the frame with the gradient in smaller tiles (the same
        gradient, more passes) and keep the smaller budget for the frames after it."""
        while True:
            side = max(16, math.isqrt(self.tile_pixels) // 16 * 16)  # tiles stay on the pooling grid
            params = replace(
                params, tile_pixels=min(params.tile_pixels, self.tile_pixels), tile=min(params.tile, side)
            )
            try:
                generator = frame_generator(self.cfg.seed, index)
                return dream(
                    self.space.encode(frame), self.taps, weights, params, generator, self.space, stats
                )
            except RuntimeError as error:  # torch's OutOfMemoryError is a RuntimeError too
                if not _out_of_memory(error) or self.tile_pixels < 2 * 16 * 16:
                    raise
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                self.tile_pixels = min(self.tile_pixels, frame.shape[0] * frame.shape[1]) // 4
                log.warning("frame %d ran out of memory; retrying in tiles of %d px", index, self.tile_pixels)

    def finish(self, frames: int) -> None:
        if frames and self.cfg.contact_sheet:
            sheet = contact_sheet(
                self.frames_dir, read_manifest(self.out_dir)[:frames], self.out_dir / "contact_sheet.jpg"
            )
            log.info("contact sheet: %s", sheet)
        log.info(
            "wrote %s (%d frames, %dx%d @ %g fps)",
            self.video_path,
            frames,
            self.cfg.width,
            self.cfg.height,
            self.cfg.fps,
        )


def _out_of_memory(error: BaseException) -> bool:
    """CUDA says "CUDA out of memory"; the CPU allocator "DefaultCPUAllocator: can't allocate memory"."""
    text = str(error).lower()
    return "out of memory" in text or "can't allocate" in text
