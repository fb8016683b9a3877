"""What one API dream maximises, from its `layers` and `channels` arguments: the objective a render's first
frame would dream with a one-stage layer schedule of those layers (and `dream.guide`, if set).

The layer names and channels are checked by the stills' settings (`layers=`, `channels=`), with the CLI's
messages; the weights of a {layer: weight} dict are checked here, in the same words the layer schedule uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np

from pipeline.config import StillsConfig
from pipeline.errors import UserError

# "conv4_2", ["conv3_2", "conv4_2"] (equal weights) or {"conv4_2": 0.6, "conv5_1": 0.4}
Layers: TypeAlias = "str | Sequence[str] | Mapping[str, float]"


def layer_names(layers: Layers | None) -> list[str] | None:
    """The names to hand the stills' `layers` setting (None: its default)."""
    if layers is None:
        return None
    if isinstance(layers, str):
        return [layers]
    return [str(name) for name in layers]  # a mapping's keys, or the list itself


def layer_weights(layers: Layers | None, cfg: StillsConfig) -> dict[str, float]:
    """{layer: weight}: 1.0 each unless a mapping gave weights (each a number >= 0, not all 0)."""
    if not isinstance(layers, Mapping):
        return dict.fromkeys(cfg.layer_names, 1.0)
    weights = {}
    for name, weight in layers.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float | np.number) or not weight >= 0:
            raise UserError(f"layers.{name}: the weight must be a number >= 0, got {weight!r}")
        weights[str(name)] = float(weight)
    if sum(weights.values()) <= 0:
        raise UserError("layers: all weights are 0, so nothing would dream; give one a weight > 0")
    return weights


def objective(
    weights: dict[str, float], cfg: StillsConfig, size: tuple[int, int], taps: Any, space: Any
) -> Any:
    """The dream's Objective: each layer's term (narrowed to `channels`, steered to `dream.guide`), built
    by the render's own code (a one-stage schedule), so a guide is read and matched exactly as there."""
    from pipeline.run.frame_objectives import single_image_objective

    stage: dict[str, Any] = dict(weights)
    if cfg.channel_list is not None:
        (name,) = cfg.layer_names  # the stills' settings allow channels with one layer only
        stage = {name: {"weight": weights[name], "channels": list(cfg.channel_list)}}
    return single_image_objective(stage, cfg.dream, size, taps, space)
