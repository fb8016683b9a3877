"""Everything a render builds once and checks before its first frame, and dreaming one frame with it.

The loop in pipeline/render.py asks a Renderer for its starting point and feed, and for each frame's dream.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from pipeline.animation.cadence import CadenceFeed
from pipeline.animation.camera import Camera
from pipeline.animation.coherence import Coherence
from pipeline.animation.feeds import ClipFeed, ZoomFeed
from pipeline.animation.schedule import LayerSchedule
from pipeline.config import RenderConfig
from pipeline.errors import UserError
from pipeline.output.checkpoint import load_checkpoint
from pipeline.output.frames import read_png
from pipeline.output.manifest import frame_record
from pipeline.output.previews import write_contact_sheet
from pipeline.output.video import Mp4Writer
from pipeline.run.plan import Plan
from pipeline.run.preflight import check_disk
from pipeline.run.setup import check_dreamer, load_network
from pipeline.run.within_memory import WithinMemory
from pipeline.sources.image import load_image, noise_image

log = logging.getLogger(__name__)


class Renderer:
    """Everything built once per render, validated before the first frame: schedule, camera, output
    folders and the network."""

    def __init__(self, cfg: RenderConfig, plan: Plan, out_dir: Path):
        self.cfg, self.plan, self.out_dir = cfg, plan, out_dir
        self.schedule = LayerSchedule(cfg.layer_schedule, plan.fps, plan.frame_count)
        deepest = cfg.layer_schedule.deepest_layer()
        device = check_dreamer(cfg, plan.height, plan.width, deepest, cfg.dream.most_octaves)
        self.camera = Camera(cfg.motion, plan.fps, plan.width, plan.height)
        if plan.clip is not None and cfg.cadence > 1:
            raise UserError(
                f"cadence={cfg.cadence} is for zoom renders; a clip is dreamed every frame: cadence=1"
            )
        self.frames_dir = out_dir / "frames"
        if cfg.resume is None and any(self.frames_dir.glob("*.png")):
            raise UserError(f"{self.frames_dir} already holds frames; to continue it use resume={out_dir}")
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        check_disk(out_dir, plan.frame_count, plan.width, plan.height)
        self.video_path = out_dir / cfg.video.filename
        self.network = load_network(cfg, device, deepest)
        self.dreamer = WithinMemory(self.network, cfg.seed, cfg.dream.tile_pixels)

    def feed(self) -> tuple[int, ZoomFeed | ClipFeed | CadenceFeed]:
        """(first frame to dream, where inputs come from): a clip, or the zoom loop from a photo or noise;
        resuming, from the saved state."""
        saved = load_checkpoint(self.out_dir) if self.cfg.resume else None
        start = min(saved.next_index, self.plan.frame_count) if saved else 0
        if saved is not None:
            log.info("resuming %s at frame %d", self.out_dir, start)
        if self.plan.clip is not None:
            if self.camera.moved():
                log.warning("the camera moves through the clip (motion.*); motion=still keeps its framing")
            carry = saved.frame if saved else None
            return start, ClipFeed(
                Path(self.cfg.input), self.camera, Coherence(self.cfg.coherence), start, carry
            )
        if saved is not None:
            return start, self._zoom_feed(start, saved.frame)
        if self.cfg.input is None:
            return 0, self._zoom_feed(0, noise_image(self.plan.width, self.plan.height, self.cfg.seed))
        return 0, self._zoom_feed(0, load_image(self.cfg.input, self.plan.width, self.plan.height))

    def _zoom_feed(self, start: int, carried: np.ndarray) -> ZoomFeed | CadenceFeed:
        """With cadence, `carried` is the last dream (resuming) or the first input; else the next input."""
        if self.cfg.cadence == 1:
            return ZoomFeed(self.camera, carried)
        return CadenceFeed(self.camera, self.cfg.cadence, self.plan.frame_count, start, carried)

    def encode_done_frames(self, video: Mp4Writer, start: int) -> None:
        """A resumed render re-encodes the frames already on disk (exact: they are the 8-bit frames)."""
        for index in range(start):
            video.write(read_png(self.frames_dir / f"{index:06d}.png"))

    def dream(self, frame: np.ndarray, index: int) -> tuple[np.ndarray, dict]:
        """Dream one frame; return it with its manifest record."""
        started, t = time.perf_counter(), index / self.plan.fps
        weights = self.schedule.weights_at(index)
        params = self.cfg.dream.at(t, first_frame=index == 0)
        stats: dict = {}
        dreamed = self.dreamer.dream(frame, weights, params, index, stats)
        decoded = self.network.space.decode(dreamed)
        return decoded, frame_record(index, t, weights, self.camera.values_at(t), params, stats, started)

    def describe(self, index: int) -> dict:
        """What the manifest says of a frame made between dreams (cadence): when, its layers, the camera."""
        t = index / self.plan.fps
        return {"index": index, "time": round(t, 6), "layers": self.schedule.weights_at(index),
                "motion": self.camera.values_at(t)}  # fmt: skip

    def finish(self, frames: int) -> None:
        if frames and self.cfg.contact_sheet:
            log.info("contact sheet: %s", write_contact_sheet(self.out_dir, frames))
        plan = self.plan
        log.info(
            "wrote %s (%d frames, %dx%d @ %g fps)", self.video_path, frames, plan.width, plan.height, plan.fps
        )
