"""Stills: dream one image once per layer, with the video's dreamer, and compare them in a grid.

`python -m pipeline.dream input=photo.jpg layers=[conv3_2,conv4_2,conv5_1]` writes <layer>.png for each
layer and grid.jpg (the input, then each layer, captioned) into the run directory; `layers=all` dreams
all 16 conv layers. Settings share the video's schemas (model, dream, device, precision, seed).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import hydra
import numpy as np
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.dreamer.ascent import DreamConfig, dream, frame_generator
from pipeline.dreamer.channels import check_channels, parse_channels
from pipeline.dreamer.device import check_device_name, resolve_device
from pipeline.dreamer.objective import Objective, Term
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.precision import Autocast, check_precision_name, resolve_precision
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.dreamer.tiles import tile_geometry
from pipeline.dreamer.vgg import check_layer_name, conv_layer_names, deepest
from pipeline.dreamer.weights import ModelConfig, load_taps
from pipeline.errors import UserError
from pipeline.output.previews import captioned_grid, shrink
from pipeline.run.preflight import check_memory
from pipeline.sources.image import cover_crop, noise_image, save_png
from pipeline.sweeps.jobs import record_failure
from pipeline.sweeps.threads import check_threads

log = logging.getLogger(__name__)
CONF_DIR = str(Path(__file__).resolve().parents[1] / "conf")  # absolute: found from any module name


@dataclass
class StillsConfig:
    input: str | None = None  # image to dream (any format OpenCV reads); null: seeded grey noise
    width: int = 0  # width in pixels; 0: the input's (keeping its aspect if height is set), noise 640
    height: int = 0  # height in pixels; 0: the input's (keeping its aspect if width is set), noise 360
    layers: Any = field(default_factory=lambda: ["conv3_2", "conv4_2", "conv5_1"])  # names, one, or all
    # one still per channel of the one layer named: [12,97], 0-15 or "range(0,16)"; null: whole layers
    channels: Any = None
    seed: int = 0  # seeds the noise, random weights and jitter (every layer gets the same jitter)
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    precision: str = "auto"  # auto | fp32 | bf16 | fp16: the network's float type
    threads: int = 0  # CPU threads for torch and OpenCV; 0: the cores shared among parallel sweep jobs
    model: ModelConfig = field(default_factory=ModelConfig)
    dream: DreamConfig = field(default_factory=DreamConfig)  # octaves, steps, lr... as for the video

    def __post_init__(self) -> None:
        self.layer_names = resolve_layers(self.layers)
        self.channel_list = None if self.channels is None else parse_channels(self.channels, "channels")
        if self.channel_list is not None:
            if len(self.layer_names) != 1:
                raise UserError(
                    f"channels needs exactly one layer (e.g. layers=conv4_2), got {len(self.layer_names)}"
                )
            check_channels(self.layer_names[0], self.channel_list, "channels")
        for name in ("width", "height"):
            if (value := getattr(self, name)) < 0:
                raise UserError(f"{name} must be a number of pixels, or 0 for the input's own, got {value}")
        check_device_name(self.device)
        check_precision_name(self.precision)
        check_threads(self.threads)
        if self.input is not None and not Path(self.input).expanduser().is_file():
            raise UserError(f"input: no file at {self.input}; pass an image path, or input=null for noise")


def resolve_layers(value: Any) -> list[str]:
    """`layers` as a list of checked names, in the order given: "all" is the 16 conv layers shallow to
    deep, one name is a list of one (so `-m layers=conv3_1,conv4_2` sweeps one layer per job)."""
    if isinstance(value, str):
        names = conv_layer_names() if value.strip().lower() == "all" else [value]
    elif isinstance(value, list | tuple):
        names = [str(name) for name in value]
    else:
        raise UserError(
            f"layers must be a list like [conv3_2,conv4_2], one layer name, or all; got {value!r}"
        )
    if not names:
        raise UserError("layers is empty: name at least one, e.g. layers=[conv4_2], or layers=all")
    for name in names:
        check_layer_name(name, "layers")
    return list(dict.fromkeys(names))


def starting_image(cfg: StillsConfig) -> np.ndarray:
    """The photo at the stills' size (cover-cropped like a video's first frame), or seeded noise."""
    if cfg.input is None:
        return noise_image(cfg.width or 640, cfg.height or 360, cfg.seed)
    bgr = cv2.imread(str(Path(cfg.input).expanduser()), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"input: {cfg.input} is not an image OpenCV can read (try a PNG or JPEG)")
    rows, cols = bgr.shape[:2]
    width = cfg.width or (round(cols * cfg.height / rows) if cfg.height else cols)
    height = cfg.height or (round(rows * width / cols) if cfg.width else rows)
    return cover_crop(
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0, max(1, width), max(1, height)
    )


def dream_stills(cfg: StillsConfig, out_dir: Path) -> list[Path]:
    """Dream the image once per layer from the same start and the same jitter, so the stills differ
    only by layer; write <layer>.png each and grid.jpg. Returns the files written."""
    frame = starting_image(cfg)
    height, width = frame.shape[:2]
    taps, space = network(cfg, height, width)
    params, tile = cfg.dream.at(0.0, first_frame=True), min(640, max(320, width))  # grid tile width
    out_dir.mkdir(parents=True, exist_ok=True)
    pictures, written = [(shrink(frame, tile), ["input"])], []
    for name, goal in goals(cfg):
        started, stats = time.perf_counter(), {}
        image = dream(space.encode(frame), taps, goal, params, frame_generator(cfg.seed, 0), space, stats)
        dreamed = space.decode(image)
        save_png(out_dir / f"{name}.png", dreamed)
        pictures.append((shrink(dreamed, tile), [name]))
        written.append(out_dir / f"{name}.png")
        log.info("%s: objective %.4g -> %.4g, %.2fs", name, stats["objective_start"], stats["objective_end"],
                 time.perf_counter() - started)  # fmt: skip
    written.append(captioned_grid(pictures, out_dir / "grid.jpg", width=tile))
    log.info("wrote %d stills (%dx%d) and %s", len(written) - 1, width, height, written[-1])
    return written


def goals(cfg: StillsConfig) -> list[tuple[str, dict[str, float] | Objective]]:
    """(still's name, what it dreams): each layer whole, or each channel of the one layer given
    ("conv4_2_c12": what channel 12 of conv4_2 dreams)."""
    if cfg.channel_list is None:
        return [(layer, {layer: 1.0}) for layer in cfg.layer_names]
    layer = cfg.layer_names[0]
    return [(f"{layer}_c{c}", Objective((Term(layer, 1.0, (c,)),))) for c in cfg.channel_list]


def network(cfg: StillsConfig, height: int, width: int) -> tuple[Autocast, PixelSpace]:
    """The video's checks and network for the deepest layer asked for, loaded once: each layer's passes
    stop at that layer, so shallow stills cost no more than they would alone."""
    last = deepest(cfg.layer_names)
    check_pyramid(height, width, cfg.dream.octaves, cfg.dream.octave_scale, last)
    device = resolve_device(cfg.device)
    margin, _ = tile_geometry(last)
    check_memory(height, width, last, cfg.dream.tile_pixels, cfg.dream.tile, margin, device)
    dtype = resolve_precision(cfg.precision, device)
    log.info("dreaming on %s (%s), up to layer %s", device, str(dtype).removeprefix("torch."), last)
    return Autocast(load_taps(cfg.model, cfg.seed, last, device), device, dtype), PixelSpace.imagenet(device)


def register_configs() -> None:
    """The schema outside any group, as pipeline.config does for the video's."""
    ConfigStore.instance().store(name="stills_schema", node=StillsConfig)


register_configs()


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="stills")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: validate the config, dream the stills into Hydra's run (or job) directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        dream_stills(OmegaConf.to_object(cfg), out_dir)
    except UserError as error:
        if record_failure(out_dir, error):  # a sweep job: logged and marked, the other jobs go on
            return
        log.error("%s", error)
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(f"interrupted: the stills written so far are in {out_dir}", file=sys.stderr)
        sys.exit(130)
    except Exception as error:
        if not record_failure(out_dir, error):
            raise


if __name__ == "__main__":
    main()
