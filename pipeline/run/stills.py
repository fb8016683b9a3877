"""Stills: one image dreamed once per layer (or per channel of one layer) with the video's dreamer, from
the same start and the same jitter so they differ only by what they dream, and the grid that compares
them. `python -m pipeline.dream` (pipeline/dream.py) is the command; this is what it runs.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pipeline.config import StillsConfig

log = logging.getLogger(__name__)


def starting_image(cfg: StillsConfig):
    """The photo at the stills' size (cover-cropped like a video's first frame; a size of 0 keeps the
    photo's, or its aspect if the other side is set), or seeded noise."""
    from pipeline.run.plan import input_path
    from pipeline.sources.image import noise_image, read_image

    source = input_path(cfg.input)
    if source is None:
        return noise_image(cfg.width or 640, cfg.height or 360, cfg.seed)
    return fit_size(read_image(source), cfg.width, cfg.height)


def fit_size(photo, wanted_width: int, wanted_height: int):
    """A photo (float RGB frame) cover-cropped to the wanted size in pixels; 0 keeps the photo's own, or
    its aspect if the other side is set (the Python API sizes an array the same way)."""
    from pipeline.sources.image import cover_crop

    rows, cols = photo.shape[:2]
    width = wanted_width or (round(cols * wanted_height / rows) if wanted_height else cols)
    height = wanted_height or (round(rows * width / cols) if wanted_width else rows)
    return cover_crop(photo, max(1, width), max(1, height))


def dream_stills(cfg: StillsConfig, out_dir: Path) -> list[Path]:
    """Dream the image once per layer from the same start and the same jitter, so the stills differ
    only by layer; write <layer>.png each and grid.jpg. Returns the files written."""
    # torch, torchvision and OpenCV load here, where the work starts: --help and typos stay instant
    from pipeline.dreamer.dreamer import Dreamer
    from pipeline.output.frames import save_png
    from pipeline.output.previews import captioned_grid, shrink
    from pipeline.run.frame_objectives import guide_similarity_of, single_image_objective
    from pipeline.run.setup import check_dreamer, load_network

    frame = starting_image(cfg)
    height, width = frame.shape[:2]
    last = cfg.deepest_layer()
    network = load_network(cfg, check_dreamer(cfg, height, width, last, cfg.dream.octaves), last)
    space, params = network.space, cfg.dream.at(0.0, first_frame=True)
    tile = min(640, max(320, width))  # grid tile width
    dreamer = Dreamer(network, cfg.seed, cfg.dream.tile_pixels)  # a layer out of memory lowers its budget
    steered = [  # a missing guide file is one line here, before anything is dreamed or written
        (name, single_image_objective(layers, cfg.dream, (width, height), network.taps, space))
        for name, layers in goals(cfg)
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    pictures, written = [(shrink(frame, tile), ["input"])], []
    for name, goal in steered:
        started = time.perf_counter()
        result = dreamer.dream(frame, goal, params, 0, what=name)
        dreamed = space.decode(result.image)
        save_png(out_dir / f"{name}.png", dreamed)
        pictures.append((shrink(dreamed, tile), [name]))
        written.append(out_dir / f"{name}.png")
        objective = f"objective {result.objective_start:.4g} -> {result.objective_end:.4g}"
        if cfg.dream.guide is not None:
            similarity = guide_similarity_of(result.image, goal, network.taps)
            objective += f", similarity to the guide {similarity:.3f}"
        log.info("%s: %s, %.2fs", name, objective, time.perf_counter() - started)
    written.append(captioned_grid(pictures, out_dir / "grid.jpg", width=tile))
    log.info("wrote %d stills (%dx%d) and %s", len(written) - 1, width, height, written[-1])
    return written


def goals(cfg: StillsConfig) -> list[tuple[str, dict]]:
    """(still's name, the layers it dreams): each layer whole, or each channel of the one layer given
    ("conv4_2_c12": what channel 12 of conv4_2 dreams); `dream.guide` steers every one."""
    if cfg.channel_list is None:
        return [(layer, {layer: 1.0}) for layer in cfg.layer_names]
    layer = cfg.layer_names[0]
    return [(f"{layer}_c{c}", {layer: {"weight": 1.0, "channels": [c]}}) for c in cfg.channel_list]
