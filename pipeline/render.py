"""Render a zooming DeepDream video: dream a frame, write it, move the camera, feed it back, repeat.

`python -m pipeline.render key=value ...` (Hydra); tests and other code call `render(cfg, out_dir)`.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from pipeline.config import RenderConfig, register_configs
from pipeline.device import resolve_device
from pipeline.dream import LayerWeights, dream, frame_generator
from pipeline.errors import UserError
from pipeline.image import load_image, noise_image, save_png
from pipeline.motion import Camera
from pipeline.pixels import PixelSpace
from pipeline.precision import Autocast, resolve_precision
from pipeline.pyramid import check_pyramid
from pipeline.schedule import LayerSchedule
from pipeline.video import Mp4Writer
from pipeline.weights import load_taps

log = logging.getLogger(__name__)


def render(cfg: RenderConfig, out_dir: Path) -> Path:
    """Dream `cfg.frames` frames into out_dir/frames/ and out_dir/<video.filename>; return the MP4's path."""
    renderer = Renderer(cfg, out_dir)
    frame = renderer.first_frame()
    with Mp4Writer(renderer.video_path, cfg.width, cfg.height, cfg.fps, cfg.video, cfg.audio) as video:
        with logging_redirect_tqdm():
            for index in tqdm(range(cfg.frames), unit="frame", desc="dreaming", dynamic_ncols=True):
                started = time.perf_counter()
                weights = renderer.schedule.weights_at(index)
                dreamed = renderer.dream(frame, weights, index)
                save_png(renderer.frame_path(index), dreamed)
                video.write(dreamed)
                log.info(
                    "frame %d/%d  layers %s  %.2fs",
                    index + 1,
                    cfg.frames,
                    _fmt(weights),
                    time.perf_counter() - started,
                )
                frame = renderer.camera.warp(dreamed, index / cfg.fps)
        path = video.close()
    log.info("wrote %s (%d frames, %dx%d @ %g fps)", path, cfg.frames, cfg.width, cfg.height, cfg.fps)
    return path


class Renderer:
    """Everything built once per render, validated before the first frame: device, schedule, camera,
    network taps and output folders."""

    def __init__(self, cfg: RenderConfig, out_dir: Path):
        self.cfg = cfg
        self.device = resolve_device(cfg.device)
        self.schedule = LayerSchedule(cfg.layer_schedule, cfg.fps, cfg.frames)
        deepest = cfg.layer_schedule.deepest_layer()
        check_pyramid(cfg.height, cfg.width, cfg.dream.most_octaves, cfg.dream.octave_scale, deepest)
        self.camera = Camera(cfg.motion, cfg.fps, cfg.width, cfg.height)
        self.frames_dir = out_dir / "frames"
        if any(self.frames_dir.glob("*.png")):
            raise UserError(f"{self.frames_dir} already holds frames; render into a new run directory")
        self.frames_dir.mkdir(parents=True, exist_ok=True)
        self.video_path = out_dir / cfg.video.filename
        dtype = resolve_precision(cfg.precision, self.device)
        self.taps = Autocast(load_taps(cfg.model, cfg.seed, deepest, self.device), self.device, dtype)
        self.space = PixelSpace.imagenet(self.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # frame sizes repeat: let cuDNN pick its fastest kernels
        precision = str(dtype).removeprefix("torch.")
        log.info("dreaming on %s (%s), up to layer %s", self.device, precision, deepest)

    def first_frame(self) -> np.ndarray:
        if self.cfg.input is None:
            return noise_image(self.cfg.width, self.cfg.height, self.cfg.seed)
        return load_image(self.cfg.input, self.cfg.width, self.cfg.height)

    def dream(self, frame: np.ndarray, weights: LayerWeights, index: int) -> np.ndarray:
        image = self.space.encode(frame)
        params = self.cfg.dream.at(index / self.cfg.fps, first_frame=index == 0)
        dreamed = dream(image, self.taps, weights, params, frame_generator(self.cfg.seed, index), self.space)
        return self.space.decode(dreamed)

    def frame_path(self, index: int) -> Path:
        return self.frames_dir / f"{index:06d}.png"


def _fmt(weights: LayerWeights) -> str:
    return ", ".join(f"{name}:{weight:.2f}" for name, weight in weights.items())


register_configs()


@hydra.main(version_base="1.3", config_path="../conf", config_name="render")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: convert and validate the config, render into Hydra's run directory."""
    try:
        config: RenderConfig = OmegaConf.to_object(cfg)
        render(config, Path(HydraConfig.get().runtime.output_dir))
    except UserError as error:
        log.error("%s", error)
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
