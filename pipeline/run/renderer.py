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

from pipeline.animation.camera import Camera
from pipeline.animation.coherence import Coherence
from pipeline.animation.colour_match import ColourMatch
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
from pipeline.run.checkpoint import load_checkpoint, load_state_array, save_state_array
from pipeline.run.preflight import check_disk, check_memory
from pipeline.run.steering import Steering
from pipeline.sources.image import load_image, noise_image, read_png

log = logging.getLogger(__name__)
COLOUR_REFERENCE = "colour_reference"  # state/colour_reference.npy: the colours every frame is matched to


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
        self.steering = Steering(self.schedule, cfg.dream, (cfg.width, cfg.height))  # reads guide images
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

    def feed(self) -> tuple[int, ZoomFeed | ClipFeed]:
        """(first frame to dream, where inputs come from): a clip, or the zoom loop from a photo or noise;
        resuming, from the saved state."""
        saved = load_checkpoint(self.out_dir) if self.cfg.resume else None
        start = min(saved.next_index, self.cfg.frame_count) if saved else 0
        if saved is not None:
            log.info("resuming %s at frame %d", self.out_dir, start)
        self.colour = self._colour(resuming=saved is not None)
        if self.cfg.clip is not None:
            if self.camera.moved():
                log.warning("the camera moves through the clip (motion.*); motion=still keeps its framing")
            carry = saved.frame if saved else None
            return start, ClipFeed(
                Path(self.cfg.input), self.camera, Coherence(self.cfg.coherence), start, carry
            )
        if saved is not None:
            return start, ZoomFeed(self.camera, saved.frame)
        if self.cfg.input is None:
            first = noise_image(self.cfg.width, self.cfg.height, self.cfg.seed)
        else:
            first = load_image(self.cfg.input, self.cfg.width, self.cfg.height)
        return 0, ZoomFeed(self.camera, first)

    def _colour(self, resuming: bool) -> ColourMatch:
        """Colour coherence with its reference: the run's saved one when resuming (so a resume matches to
        exactly the same colours), else the reference image, read and saved now (a missing file stops
        the render before its first frame), else the first dream, saved once it exists."""
        cfg = self.cfg.colour
        reference = load_state_array(self.out_dir, COLOUR_REFERENCE) if resuming else None
        if reference is None and cfg.match == "image":
            reference = load_image(cfg.reference, self.cfg.width, self.cfg.height, setting="colour.reference")
            save_state_array(self.out_dir, COLOUR_REFERENCE, reference)
        keep = lambda frame: save_state_array(self.out_dir, COLOUR_REFERENCE, frame)  # noqa: E731
        return ColourMatch(cfg, self.cfg.fps, reference, keep)

    def encode_done_frames(self, video: Mp4Writer, start: int) -> None:
        """A resumed render re-encodes the frames already on disk (exact: they are the 8-bit frames)."""
        for index in range(start):
            video.write(read_png(self.frames_dir / f"{index:06d}.png"))

    def dream(self, frame: np.ndarray, index: int) -> tuple[np.ndarray, dict]:
        """Dream one frame; return it (colour-matched: what is written is what is fed back, or carried
        in a clip) with its manifest record."""
        started, t = time.perf_counter(), index / self.cfg.fps
        weights = self.schedule.weights_at(index)
        goal = self.steering.objective_at(index, self.taps, self.space)
        params = self.cfg.dream.at(t, first_frame=index == 0)
        stats: dict = {}
        dreamed = self._dream_within_memory(frame, goal, params, index, stats)
        similarity = self.steering.similarity(dreamed, goal, self.taps)
        if similarity is not None:
            stats["guide_similarity"] = round(similarity, 6)
        record = {"index": index, "time": round(t, 6), "layers": weights, "motion": self.camera.values_at(t),
                  "octaves": params.octaves, "steps": params.steps, "lr": params.lr, **stats}  # fmt: skip
        return self.colour(self.space.decode(dreamed), index), {
            **record,
            "dream_seconds": round(time.perf_counter() - started, 4),
        }

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
