"""What each frame's dream maximises: the schedule's layer entries (channels included) as objective terms,
steered towards the stage's guide image. Guide images are read at set-up (a missing file stops the render
before its first frame); a stage's guide features are computed once, the first time it dreams.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from pipeline.animation.dream_config import DreamConfig
from pipeline.animation.schedule import LayerSchedule
from pipeline.dreamer.objective import Objective, Term, guide_features, guide_similarity
from pipeline.dreamer.pixels import PixelSpace
from pipeline.sources.image import load_image

Features = Callable[[torch.Tensor, list[str]], dict[str, torch.Tensor]]
GUIDE_SIDE = 512  # longest side (px) the guide is read at: features of a larger one add little


class Steering:
    def __init__(self, schedule: LayerSchedule, dream: DreamConfig, size: tuple[int, int]):
        self.schedule, self.guide_weight = schedule, dream.guide_weight
        width, height = size
        scale = min(1.0, GUIDE_SIDE / max(width, height))
        guide_size = (max(32, round(width * scale)), max(32, round(height * scale)))
        self.paths = [stage.guide or dream.guide for stage in schedule.stages]
        self.images = {  # read now: a missing or unreadable file is one line before the first frame
            path: load_image(path, *guide_size, setting="guide") for path in set(self.paths) if path
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

    def similarity(self, image: torch.Tensor, goal: Objective, taps: Features) -> float | None:
        """The dreamed frame's feature similarity to its guides (weighted mean over guided terms), or None."""
        guided = [term for term in goal.terms if term.guide is not None]
        if not guided:
            return None
        with torch.no_grad():
            activations = taps(image, list(dict.fromkeys(term.layer for term in guided)))
        total = sum(term.weight for term in guided)
        return (
            sum(term.weight * guide_similarity(activations[term.layer], term.guide) for term in guided)
            / total
        )
