"""Stills: dream one image once per layer, with the video's dreamer, and compare them in a grid.

`python -m pipeline.dream input=photo.jpg layers=[conv3_2,conv4_2,conv5_1]` writes <layer>.png for each
layer and grid.jpg (the input, then each layer, captioned) into the run directory; `layers=all` dreams
every layer of the network (VGG19's 16 conv layers; `model=googlenet layers=[inception4c,inception4d]`
dreams two of GoogLeNet's). Settings share the video's schemas (model, dream, device, precision, seed):
see StillsConfig in pipeline/config.py.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.config import CONF_DIR, StillsConfig, register_configs
from pipeline.sweeps.gpu_health import check_gpu_usable
from pipeline.sweeps.jobs import run_job

log = logging.getLogger(__name__)


def starting_image(cfg: StillsConfig):
    """The photo at the stills' size (cover-cropped like a video's first frame; a size of 0 keeps the
    photo's, or its aspect if the other side is set), or seeded noise."""
    from pipeline.run.plan import input_path
    from pipeline.sources.image import cover_crop, noise_image, read_image

    source = input_path(cfg.input)
    if source is None:
        return noise_image(cfg.width or 640, cfg.height or 360, cfg.seed)
    photo = read_image(source)
    rows, cols = photo.shape[:2]
    width = cfg.width or (round(cols * cfg.height / rows) if cfg.height else cols)
    height = cfg.height or (round(rows * width / cols) if cfg.width else rows)
    return cover_crop(photo, max(1, width), max(1, height))


def dream_stills(cfg: StillsConfig, out_dir: Path) -> list[Path]:
    """Dream the image once per layer from the same start and the same jitter, so the stills differ
    only by layer; write <layer>.png each and grid.jpg. Returns the files written."""
    # torch, torchvision and OpenCV load here, where the work starts: --help and typos stay instant
    from pipeline.output.frames import save_png
    from pipeline.output.previews import captioned_grid, shrink
    from pipeline.run.setup import check_dreamer, load_network
    from pipeline.run.within_memory import WithinMemory

    frame = starting_image(cfg)
    height, width = frame.shape[:2]
    last = cfg.deepest_layer()
    network = load_network(cfg, check_dreamer(cfg, height, width, last, cfg.dream.octaves), last)
    space, params = network.space, cfg.dream.at(0.0, first_frame=True)
    tile = min(640, max(320, width))  # grid tile width
    dreamer = WithinMemory(network, cfg.seed, cfg.dream.tile_pixels)  # a layer out of memory lowers it
    out_dir.mkdir(parents=True, exist_ok=True)
    pictures, written = [(shrink(frame, tile), ["input"])], []
    for name, goal in goals(cfg):
        started, stats = time.perf_counter(), {}
        image = dreamer.dream(frame, goal, params, 0, stats, what=name)
        dreamed = space.decode(image)
        save_png(out_dir / f"{name}.png", dreamed)
        pictures.append((shrink(dreamed, tile), [name]))
        written.append(out_dir / f"{name}.png")
        log.info("%s: objective %.4g -> %.4g, %.2fs", name, stats["objective_start"], stats["objective_end"],
                 time.perf_counter() - started)  # fmt: skip
    written.append(captioned_grid(pictures, out_dir / "grid.jpg", width=tile))
    log.info("wrote %d stills (%dx%d) and %s", len(written) - 1, width, height, written[-1])
    return written


def goals(cfg: StillsConfig) -> list:
    """(still's name, what it dreams): each layer whole, or each channel of the one layer given
    ("conv4_2_c12": what channel 12 of conv4_2 dreams)."""
    from pipeline.dreamer.objective import Objective, Term

    if cfg.channel_list is None:
        return [(layer, {layer: 1.0}) for layer in cfg.layer_names]
    layer = cfg.layer_names[0]
    return [(f"{layer}_c{c}", Objective((Term(layer, 1.0, (c,)),))) for c in cfg.channel_list]


register_configs()


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="stills")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: validate the config, dream the stills into Hydra's run (or job) directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    run_job(lambda: _stills_or_stop(cfg, out_dir), out_dir, log)


def _stills_or_stop(cfg: DictConfig, out_dir: Path) -> None:
    try:
        check_gpu_usable(cfg.device)  # after a sticky CUDA error in an earlier job of this sweep
        dream_stills(OmegaConf.to_object(cfg), out_dir)
    except KeyboardInterrupt:
        print(f"interrupted: the stills written so far are in {out_dir}", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    from pipeline.cli.compose import compose_command_line
    from pipeline.errors import UserError, report

    try:
        compose_command_line("stills", sys.argv[1:])  # a mistake: one line, exit 2
    except UserError as mistake:
        report(mistake)
    main()
