"""`pipeline.Dreamer`: a network kept in memory for many dreams of one image each, from Python or Jupyter.

Every call composes the stills command's real settings (`python -m pipeline.dream`, StillsConfig) from its
keyword arguments, so the defaults and checks are the command line's and a mistake is its one-line
UserError. The network (network.py) is loaded when the Dreamer is made, up to the stills' default layers,
and cut deeper only when a dream asks for a deeper layer; `release()` frees it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.api.goals import Layers, layer_names, layer_weights, objective
from pipeline.api.network import KeptNetwork
from pipeline.api.picture import DreamImage, as_frame, picture
from pipeline.api.progress import step_bar
from pipeline.api.settings import Overrides, checked, compose, override_list
from pipeline.errors import UserError

if TYPE_CHECKING:
    import numpy as np

    from pipeline.config import StillsConfig

# Settings the loaded network is made with: a call that changes one needs another Dreamer.
FIXED = ("model", "device", "precision", "seed", "deterministic", "threads")


class Dreamer:
    """DeepDream one image at a time with a network built once.

    model: the network (a preset of the `model` settings group, where it has one); None: the CLI's
        default, VGG19. weights: `model.weights`: "imagenet" (downloaded once, 548 MB), "random" (seeded,
        untrained: for tests), or the path of a .pth file. device: "auto", "cpu", "cuda", "cuda:N" or
        "mps". precision: "auto", "fp32", "bf16" or "fp16". seed: seeds the random weights, the noise and
        the jitter (a whole number). overrides: any other settings as the CLI spells them, a dict
        ({"model.sha256": "..."}) or a list (["deterministic=true"]). quiet: no progress bars.
        None leaves a setting at the CLI's default.
    """

    def __init__(
        self,
        model: str | None = None,
        weights: str | os.PathLike | None = None,
        device: str | None = None,
        precision: str | None = None,
        seed: int | None = None,
        *,
        overrides: Overrides | None = None,
        quiet: bool = False,
    ) -> None:
        given = {
            "model": model,
            "model.weights": weights,
            "device": device,
            "precision": precision,
            "seed": seed,
        }
        self._fixed = override_list(overrides, **{k: v for k, v in given.items() if v is not None})
        self.quiet = quiet
        self.settings = self._compose([])  # the stills' settings these defaults and checks come from
        self._kept = KeptNetwork(self.settings)

    def dream(
        self, image: Any = None, layers: Layers | None = None, channels: Any = None, **settings: Any
    ) -> DreamImage:
        """Dream `image` once with `layers` together; returns the dream as an 8-bit RGB DreamImage.

        image: an array (HWC RGB, HW grey or RGBA; uint8, uint16 or float in [0, 1]; any size), a PIL image,
            or the path of an image file; None: seeded grey noise. layers: "conv4_2", a list (equal weights)
            or {layer: weight >= 0}; None: the stills' default layers. channels: only these channels of
            the one layer ([12, 97], "0-15", "range(0,16)").
        settings: octaves (pyramid levels), octave_scale (size ratio between levels), steps (gradient
            steps per level), lr (step size, ImageNet-normalised units), jitter (largest random roll, px),
            smoothing (gradient blur sigma, px), guide (path of an image to dream towards), guide_weight
            (0..1), width and height (px; 0 keeps the image's own, or its aspect), overrides (any other
            stills setting, as in Dreamer()).
        """
        cfg, frame = self._prepare(image, layers, channels, settings)
        weights = layer_weights(layers, cfg)
        what = "+".join(name for name, weight in weights.items() if weight > 0)
        height, width = frame.shape[:2]
        self._kept.fit(cfg, height, width, cfg.model.network.deepest(weights))
        network = self._kept.network
        goal = objective(weights, cfg, (width, height), network.taps, network.space)
        total = cfg.dream.octaves * cfg.dream.at(0.0).steps
        with step_bar(total, what, self.quiet) as tick:
            return picture(self._kept.dream(frame, goal, cfg, what, tick))

    def stills(
        self, image: Any = None, layers: Layers | None = None, channels: Any = None, **settings: Any
    ) -> dict[str, DreamImage]:
        """One dream per layer (or per channel of one layer, named "conv4_2_c12"), each from the same
        start and jitter, as `python -m pipeline.dream` writes them: {name: DreamImage}. The arguments
        are dream()'s (a layers dict's weights do not matter here: each layer dreams alone)."""
        from pipeline.run.frame_objectives import single_image_objective
        from pipeline.run.stills import goals

        cfg, frame = self._prepare(image, layers, channels, settings)
        height, width = frame.shape[:2]
        self._kept.fit(cfg, height, width, cfg.deepest_layer())
        network = self._kept.network
        todo = [  # each steered to dream.guide as the stills command's are
            (name, single_image_objective(stage, cfg.dream, (width, height), network.taps, network.space))
            for name, stage in goals(cfg)
        ]
        total = len(todo) * cfg.dream.octaves * cfg.dream.at(0.0).steps
        with step_bar(total, "stills", self.quiet) as tick:
            return {name: picture(self._kept.dream(frame, goal, cfg, name, tick)) for name, goal in todo}

    def grid(
        self, image: Any = None, stills: Mapping[str, Any] | None = None, **arguments: Any
    ) -> DreamImage:
        """The labelled grid the stills command writes as grid.jpg (the input, then each still, captioned),
        as a DreamImage. `stills`: what stills() returned, laid out without dreaming again; else the other
        arguments are stills()'."""
        from pipeline.output.previews import captioned_tiles, shrink

        if stills is None:
            stills = self.stills(image, **arguments)
        elif arguments:
            raise UserError(
                f"grid: pass stills or the stills' settings, not both (got {', '.join(arguments)})"
            )
        if not stills:
            raise UserError("grid: stills is empty; pass what Dreamer.stills() returned")
        frames = {name: as_frame(still, f"stills[{name!r}]") for name, still in stills.items()}
        height, width = next(iter(frames.values())).shape[:2]
        start = self._prepare(image, None, None, {"width": width, "height": height})[1]
        tile = min(640, max(320, width))  # the stills command's tile width
        pictures = [(shrink(start, tile), ["input"])]
        pictures += [(shrink(frame, tile), [name]) for name, frame in frames.items()]
        return DreamImage(captioned_tiles(pictures, width=tile))

    def release(self) -> None:
        """Free the network's memory (and the process's copy of the weights); the next dream loads it
        again."""
        self._kept.release()

    def __enter__(self) -> Dreamer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        s = self.settings
        named = f"weights={s.model.weights!r}, device={s.device!r}, precision={s.precision!r}"
        return f"Dreamer({named}, seed={s.seed})"

    def _compose(self, call: list[str]) -> StillsConfig:
        return checked(compose("stills", [*self._fixed, *call]))

    def _prepare(
        self, image: Any, layers: Layers | None, channels: Any, settings: dict[str, Any]
    ) -> tuple[StillsConfig, np.ndarray]:
        """(the call's checked settings, the starting frame at its size, float RGB in [0, 1])."""
        from pipeline.run.stills import fit_size, starting_image

        extra = settings.pop("overrides", None)
        given = {f"dream.{k}" if k not in ("width", "height") else k: v for k, v in settings.items()}
        given |= {"layers": layer_names(layers), "channels": channels}
        if isinstance(image, str | os.PathLike):
            given["input"] = Path(image)
        cfg = self._compose(override_list(extra, **{k: v for k, v in given.items() if v is not None}))
        for key in FIXED:
            if getattr(cfg, key) != getattr(self.settings, key):
                raise UserError(
                    f"{key} is set when a Dreamer is made: make another, pipeline.Dreamer({key}=...)"
                )
        if image is None or isinstance(image, str | os.PathLike):
            return cfg, starting_image(cfg)
        return cfg, fit_size(as_frame(image), cfg.width, cfg.height)
