"""Steering the dream: single channels, and guide images (features matched position by position)."""

import cv2
import numpy as np
import pytest
import torch

from pipeline.animation.dream_config import DreamConfig
from pipeline.animation.schedule import LayerSchedule, LayerScheduleConfig, StageConfig
from pipeline.dreamer.ascent import ascent_step, frame_generator
from pipeline.dreamer.load import load_taps
from pipeline.dreamer.objective import Objective, Term, guide_features, guide_similarity
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.settings import DreamParams, ModelConfig
from pipeline.run.frame_objectives import Steering
from pipeline.sources.image import noise_image

LAYER = "conv3_1"
PARAMS = DreamParams(octaves=1, steps=8, lr=0.09, jitter=4)


@pytest.fixture(scope="module")
def taps():
    return load_taps(ModelConfig(weights="random"), 0, LAYER, torch.device("cpu"))


@pytest.fixture(scope="module")
def space():
    return PixelSpace.imagenet()


def _ascend(image, taps, goal, space, steps=PARAMS.steps, seed=0):
    generator = frame_generator(seed, 0)
    for step in range(steps):
        image, _ = ascent_step(image, taps, goal, PARAMS, step, generator, space)
    return image


def _stripes(angle: float, colours: tuple[int, int, int] = (0, 1, 2)) -> np.ndarray:
    """A strongly coloured striped picture: features unlike grey noise's (channel order `colours`)."""
    y, x = np.mgrid[0:48, 0:48].astype(np.float32)
    wave = 0.5 + 0.5 * np.sin((x * np.cos(angle) + y * np.sin(angle)) / (2.0 + 2.0 * angle))
    planes = [wave, 1 - wave, np.full_like(wave, 0.2)]
    return np.dstack([planes[i] for i in colours]).astype(np.float32)


def test_dreaming_a_channel_raises_it_more_than_the_others(taps, space):
    start = space.encode(noise_image(48, 48, seed=1))
    before = taps(start, [LAYER])[LAYER].pow(2).mean(dim=(0, 2, 3))
    for channel in (5, 40):
        after = taps(_ascend(start, taps, Objective((Term(LAYER, 1.0, (channel,)),)), space), [LAYER])
        rise = after[LAYER].pow(2).mean(dim=(0, 2, 3)) - before
        others = torch.cat([rise[:channel], rise[channel + 1 :]])
        # far above the layer's typical channel (a few channels that move with it can rise as much)
        assert rise[channel] > 5 * others.mean(), (channel, rise[channel], others.mean())


def _guide(taps, space, picture):
    return guide_features(taps(space.encode(picture), [LAYER])[LAYER])


def test_a_guided_dream_grows_towards_the_guide_and_beats_an_unguided_one(taps, space):
    guide = _guide(taps, space, _stripes(0.3))
    start = space.encode(noise_image(48, 48, seed=2))
    goal = Objective((Term(LAYER, 1.0, guide=guide),))
    similarity = [guide_similarity(taps(start, [LAYER])[LAYER], guide)]
    image = start
    for _ in range(3):
        image = _ascend(image, taps, goal, space, steps=3)
        similarity.append(guide_similarity(taps(image, [LAYER])[LAYER], guide))
    assert all(b > a for a, b in zip(similarity, similarity[1:])), similarity
    unguided = _ascend(start, taps, {LAYER: 1.0}, space, steps=9)
    assert similarity[-1] > guide_similarity(taps(unguided, [LAYER])[LAYER], guide) + 0.02


def test_a_guide_that_changes_between_stages_changes_what_frames_resemble(taps, space, tmp_path):
    paths = []
    for number, (angle, colours) in enumerate(((0.0, (0, 1, 2)), (1.6, (2, 2, 0)))):
        paths.append(tmp_path / f"guide{number}.png")
        picture = (_stripes(angle, colours) * 255).astype(np.uint8)
        cv2.imwrite(str(paths[-1]), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    stages = [
        StageConfig(at=0.0, layers={LAYER: 1.0}, guide=str(paths[0])),
        StageConfig(at=1.0, layers={LAYER: 1.0}, guide=str(paths[1])),
    ]
    schedule = LayerSchedule(LayerScheduleConfig(unit="frames", stages=stages), fps=1.0, frames=2)
    steering = Steering(schedule, DreamConfig(), (48, 48))
    start = space.encode(noise_image(48, 48, seed=3))
    guides = [steering.guides(stage, taps, space)[LAYER] for stage in (0, 1)]
    for index in (0, 1):
        goal = steering.objective_at(index, taps, space)
        assert goal.terms[0].guide is guides[index]  # computed once per stage, then reused
        features = taps(_ascend(start, taps, goal, space), [LAYER])[LAYER]
        own, other = (guide_similarity(features, guides[i]) for i in (index, 1 - index))
        assert own > other + 0.02, (index, own, other)
