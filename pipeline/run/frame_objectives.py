"""What each frame's dream maximises: the schedule's layer entries (channels included) as objective terms,
steered towards the stage's guide image. Guide images are read at set-up (a missing file stops the render
before its first frame); a stage's guide features are computed once, the first time it dreams.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from pipeline.animation.dream_config import DreamConfig
from pipeline.animation.schedule import LayerSchedule
from pipeline.dreamer.objective import Objective, Term, guide_features, guide_similarity
from pipeline.dreamer.pixels import PixelSpace
from pipeline.sources.image import load_image

Features = Callable[[torch.Tensor, list[str]], dict[str, torch.Tensor]]
GUIDE_SIDE = 512  # longest side (px) the guide is read at: features of a larger one add little


def guide_size(width: int, height: int) -> tuple[int, int]:
    """The size (px) a guide is read at for a frame of width x height: the frame's aspect, at most
    GUIDE_SIDE on its longer side, at least 32 on each."""
    scale = min(1.0, GUIDE_SIDE / max(width, height))
    return max(32, round(width * scale)), max(32, round(height * scale))


def read_guide(path: str, size: tuple[int, int]) -> np.ndarray:
    return load_image(path, *size, setting="guide")


class Steering:
    def __init__(self, schedule: LayerSchedule, dream: DreamConfig, size: tuple[int, int], read=read_guide):
        """`read(path, size)`: a guide image as float RGB (the render's reads a resume's from its state)."""
        self.schedule, self.guide_weight = schedule, dream.guide_weight
        self.paths = [stage.guide or dream.guide for stage in schedule.stages]
        self.images = {  # read now: a missing or unreadable file is one line before the first frame
            path: read(path, guide_size(*size)) for path in sorted(set(self.paths) - {None})
        }
        self.cache: dict[int, dict[str, torch.Tensor]] = {}

    def guides(self, stage: int, taps: Features, space: PixelSpace) -> dict[str, torch.Tensor]:
        """{layer: (C, M) guide vectors} of a stage, computed on its first use and kept."""
        path = self.paths[stage]
        if path is None:
            return {}
        if stage not in self.cache:
            layers = list(dict.fromkeys(entry.layer for entry in self.schedule.entries[stage]))
            with torch.no_grad():
                activations = taps(space.encode(self.images[path]), layers)
            self.cache[stage] = {name: guide_features(act) for name, act in activations.items()}
        return self.cache[stage]

    def objective_at(self, index: int, taps: Features, space: PixelSpace) -> Objective:
        """The fading stages' terms, each weighted by the stage's share of the crossfade."""
        terms = []
        for stage, share in self.schedule.blend_at(index):
            guides = self.guides(stage, taps, space)
            for entry in self.schedule.entries[stage]:
                if entry.weight * share > 0:
                    guide = guides.get(entry.layer)
                    terms.append(
                        Term(entry.layer, entry.weight * share, entry.channels, guide, self.guide_weight)
                    )
        return Objective(tuple(terms))


def guide_similarity_of(image: torch.Tensor, goal: Objective, taps: Features) -> float | None:
    """An image's feature similarity to the guides of `goal` (weighted mean over guided terms), or None."""
    guided = [term for term in goal.terms if term.guide is not None]
    if not guided:
        return None
    with torch.no_grad():
        activations = taps(image, list(dict.fromkeys(term.layer for term in guided)))
    total = sum(term.weight for term in guided)
    return sum(term.weight * guide_similarity(activations[term.layer], term.guide) for term in guided) / total


def single_image_objective(
    layers: dict, dream: DreamConfig, size: tuple[int, int], taps: Features, space: PixelSpace
) -> Objective:
    """What one image dreams (a still, an API dream): `layers` ({layer: weight}, or {layer: {weight,
    channels}}) as a one-stage schedule, steered to `dream.guide` exactly as a render's first frame is."""
    from pipeline.animation.schedule import LayerScheduleConfig, StageConfig

    schedule = LayerSchedule(LayerScheduleConfig(stages=[StageConfig(at=0.0, layers=layers)]), 1.0, 1)
    return Steering(schedule, dream, size).objective_at(0, taps, space)
