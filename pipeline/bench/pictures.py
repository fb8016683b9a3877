"""`python -m pipeline.bench --pictures [--out docs/images] [overrides ...]`: remake the README's pictures.

Dreamed on the trained stand-in (`model=inception_v3 model.weights=standin`: nsfwjs's InceptionV3, its
ImageNet layers through mixed5) from scikit-image's astronaut photo, through the two commands people run:
the stills command's grid (one still per layer) and a default zoom render's contact sheet. Each picture
gets a title band saying what made it, and is written as a small JPEG (the README's pictures stay under
1 MB in all). The settings are the commands' defaults but for what is listed here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from pipeline.bench.quality import NETWORK, photo
from pipeline.output.frames import write_atomically

LABEL = "stand-in: nsfwjs's InceptionV3, ImageNet layers through mixed5"
LAYERS = "[mixed1,mixed2,mixed3,mixed4,mixed5]"
ZOOM = ["frames=48", "width=320", "height=180", "layer_schedule=single", "layer_schedule.layer=mixed3"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    from pipeline.bench.args import command_parser

    parser = command_parser("python -m pipeline.bench --pictures", __doc__)
    parser.add_argument("overrides", nargs="*", help="settings for both commands (dream.lr=0.05 ...)")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--stills-width", type=int, default=320)
    return parser.parse_args(argv)


def stills_grid(picture: str, width: int, overrides: list[str], out: Path) -> Path:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from pipeline.config import CONF_DIR, register_configs
    from pipeline.run.stills import dream_stills

    register_configs()
    settings = [*NETWORK, f"input={picture}", f"layers={LAYERS}", f"width={width}", *overrides]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = OmegaConf.to_object(compose(config_name="stills", overrides=settings))
    with tempfile.TemporaryDirectory(prefix="pictures-") as folder:
        grid = [path for path in dream_stills(cfg, Path(folder)) if path.name == "grid.jpg"][0]
        return labelled(grid, f"{LABEL}; one still per layer (python -m pipeline.dream)", out)


def zoom_sheet(picture: str, overrides: list[str], out: Path) -> Path:
    from pipeline.bench.video import compose_config
    from pipeline.run.rendering import render

    settings = [*NETWORK, f"input={picture}", *ZOOM, "contact_sheet=true", "preview_every=0", *overrides]
    cfg, _ = compose_config(settings)
    with tempfile.TemporaryDirectory(prefix="pictures-") as folder:
        render(cfg, Path(folder))
        title = f"{LABEL}; a 48-frame zoom at mixed3, default settings (python -m pipeline.render)"
        return labelled(Path(folder) / "contact_sheet.jpg", title, out)


def labelled(source: Path, title: str, out: Path, quality: int = 80) -> Path:
    """The picture at `source` under a black band with `title`, as a JPEG at `out`."""
    image = cv2.imread(str(source))
    band = np.zeros((26, image.shape[1], 3), np.uint8)
    cv2.putText(band, title, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".jpg", np.vstack([band, image]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f"OpenCV could not encode {out.name}")
    write_atomically(out, encoded.tobytes())
    return out


def main(argv: list[str] | None = None) -> list[Path]:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pictures-photo-") as folder:
        picture = photo(Path(folder), "astronaut")
        written = [
            stills_grid(picture, args.stills_width, args.overrides, args.out / "stills_grid.jpg"),
            zoom_sheet(picture, args.overrides, args.out / "zoom_contact_sheet.jpg"),
        ]
    for path in written:
        print(f"{path} ({path.stat().st_size / 1024:.0f} KB)")
    return written
