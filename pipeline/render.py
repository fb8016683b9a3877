"""Render a zooming DeepDream video: dream a frame, write it, move the camera, feed it back, repeat.

`python -m pipeline.render key=value ...` (Hydra); tests and other code call `render(cfg, out_dir)`.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import hydra
import numpy as np
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.checkpoint import load_checkpoint
from pipeline.coherence import Coherence
from pipeline.config import RenderConfig, register_configs
from pipeline.device import resolve_device
from pipeline.dream import dream, frame_generator
from pipeline.errors import UserError
from pipeline.feeds import ClipFeed, ZoomFeed
from pipeline.image import load_image, noise_image, read_png
from pipeline.interrupts import StopRequest
from pipeline.jobs import record_failure
from pipeline.manifest import Manifest, read_manifest
from pipeline.motion import Camera
from pipeline.pixels import PixelSpace
from pipeline.precision import Autocast, resolve_precision
from pipeline.preflight import check_disk, check_memory
from pipeline.previews import contact_sheet
from pipeline.pyramid import check_pyramid
from pipeline.resume import resume_config
from pipeline.schedule import LayerSchedule
from pipeline.sink import FrameSink
from pipeline.tiles import tile_geometry
from pipeline.video import Mp4Writer
from pipeline.weights import load_taps

log = logging.getLogger(__name__)


class Interrupted(Exception):
    """The render stopped early on request; what was done is encoded and it can be resumed."""

    def __init__(self, frames_done: int, exit_code: int):
        super().__init__(f"stopped after {frames_done} frames")
        self.frames_done, self.exit_code = frames_done, exit_code


def render(cfg: RenderConfig, out_dir: Path) -> Path:
    """Dream frames into out_dir/frames/ and out_dir/<video.filename> (continuing a saved state if
    `cfg.resume`); return the MP4's path. Raises Interrupted after encoding, if asked to stop."""
    renderer = Renderer(cfg, out_dir)
    start, feed = renderer.feed()
    with Mp4Writer(renderer.video_path, cfg.width, cfg.height, cfg.fps, cfg.video, cfg.audio_source) as video:
        renderer.encode_done_frames(video, start)
        sink = FrameSink(out_dir, video, Manifest(out_dir, start), cfg.preview_every)
        with StopRequest() as stop, logging_redirect_tqdm():
            try:
                for index in tqdm(range(start, cfg.frame_count), initial=start, total=cfg.frame_count,
                                  unit="frame", desc="dreaming", dynamic_ncols=True):  # fmt: skip
                    frame, carried = feed.next_input(index)
                    dreamed, record = renderer.dream(frame, index)
                    sink.submit(index, dreamed, feed.advance(index, dreamed), {**record, **carried})
                    log.info("frame %d/%d  %s", index + 1, cfg.frame_count, _summary(record))
                    if stop.requested:
                        break
            finally:
                feed.close()
                sink.close()
        path = video.close()
    renderer.finish(video.frames_written)
    if video.frames_written < cfg.frame_count:
        raise Interrupted(video.frames_written, stop.exit_code)
    return path


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

    def feed(self) -> tuple[int, ZoomFeed | ClipFeed]:
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
            return start, ZoomFeed(self.camera, saved.frame)
        if self.cfg.input is None:
            return 0, ZoomFeed(self.camera, noise_image(self.cfg.width, self.cfg.height, self.cfg.seed))
        return 0, ZoomFeed(self.camera, load_image(self.cfg.input, self.cfg.width, self.cfg.height))

    def encode_done_frames(self, video: Mp4Writer, start: int) -> None:
        """A resumed render re-encodes the frames already on disk (exact: they are the 8-bit frames)."""
        for index in range(start):
            video.write(read_png(self.frames_dir / f"{index:06d}.png"))

    def dream(self, frame: np.ndarray, index: int) -> tuple[np.ndarray, dict]:
        """Dream one frame; return it with its manifest record."""
        started, t = time.perf_counter(), index / self.cfg.fps
        weights = self.schedule.weights_at(index)
        params = self.cfg.dream.at(t, first_frame=index == 0)
        stats: dict = {}
        dreamed = self._dream_within_memory(frame, weights, params, index, stats)
        record = {"index": index, "time": round(t, 6), "layers": weights, "motion": self.camera.values_at(t),
                  "octaves": params.octaves, "steps": params.steps, "lr": params.lr, **stats}  # fmt: skip
        return self.space.decode(dreamed), {
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


def _summary(record: dict) -> str:
    layers = ", ".join(f"{name}:{weight:.2f}" for name, weight in record["layers"].items())
    return f"layers {layers}  objective {record['objective_end']:.4g}  {record['dream_seconds']:.2f}s"


register_configs()


# An absolute config path: launchers run this function as pipeline.render.main (below), and for a module
# Hydra would read "../conf" as a Python package named conf, which does not exist.
@hydra.main(version_base="1.3", config_path=str(Path(__file__).parents[1] / "conf"), config_name="render")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: convert and validate the config, render into Hydra's run directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        if cfg.resume is not None:
            cfg = resume_config(Path(cfg.resume), cfg, list(HydraConfig.get().overrides.task))
            out_dir = Path(cfg.resume)
        render(OmegaConf.to_object(cfg), out_dir)
    except UserError as error:
        if record_failure(out_dir, error):  # a sweep job: logged and marked FAILED, the other jobs go on
            return
        log.error("%s", error)
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except (Interrupted, KeyboardInterrupt) as stop:
        message = (
            f"interrupted: the frames so far are in {out_dir}; "
            f"continue with: python -m pipeline.render resume={out_dir}"
        )
        log.warning(message)
        print(message, file=sys.stderr)
        sys.exit(stop.exit_code if isinstance(stop, Interrupted) else 130)
    except Exception as error:
        if not record_failure(out_dir, error):  # a single run: Hydra shows the traceback, as before
            raise


if __name__ == "__main__":  # the importable function: joblib and submitit pickle it by reference
    from pipeline.render import main as importable_main

    importable_main()
