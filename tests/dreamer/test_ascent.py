import pytest
import torch

import pipeline.dreamer.ascent as dream_module
from pipeline.animation.dream_config import DreamConfig
from pipeline.dreamer.ascent import dream, frame_generator, objective, smooth
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.pyramid import check_pyramid, octave_sizes
from pipeline.dreamer.settings import DreamParams
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.dreamer.weights import random_features
from pipeline.errors import UserError

SPACE = PixelSpace.of([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])


def _image(seed=0, size=(40, 48)):
    frame = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(seed))
    return (frame - SPACE.mean) / SPACE.std


def test_objective_rises_on_a_toy_net(toy_features):
    image = _image()
    weights = {"first": 0.3, "second": 1.0}
    cfg = DreamParams(octaves=1, steps=8, jitter=2, lr=0.05)
    dreamed = dream(image, toy_features, weights, cfg, frame_generator(0, 0), SPACE)
    before, after = objective(image, toy_features, weights), objective(dreamed, toy_features, weights)
    assert after > before * 1.2


def test_objective_rises_on_random_vgg19():
    taps = FeatureTaps(random_features(0)[:12])  # up to conv3_1
    space = PixelSpace.imagenet()
    image = space.encode(torch.rand(48, 64, 3, generator=torch.Generator().manual_seed(1)).numpy())
    weights = {"conv3_1": 1.0}
    dreamed = dream(
        image, taps, weights, DreamParams(octaves=2, steps=3, jitter=4), frame_generator(0, 0), space
    )
    assert objective(dreamed, taps, weights) > objective(image, taps, weights)


def test_dream_stays_in_the_valid_pixel_range(toy_features):
    cfg = DreamParams(octaves=2, steps=6, lr=2.0, jitter=3)
    dreamed = dream(_image(), toy_features, {"second": 1.0}, cfg, frame_generator(0, 0), SPACE)
    frame = dreamed * SPACE.std + SPACE.mean
    assert frame.min() >= -1e-6 and frame.max() <= 1 + 1e-6
    assert frame.min() < 0.01 and frame.max() > 0.99  # strong lr: the clamp was really exercised


def test_octave_sizes_grow_by_the_scale_to_full_size():
    sizes = octave_sizes(360, 640, 4, 1.4)
    assert sizes[-1] == (360, 640)
    assert sizes[0] == (round(360 / 1.4**3), round(640 / 1.4**3))
    assert all(b[0] > a[0] and b[1] > a[1] for a, b in zip(sizes, sizes[1:]))


def test_no_op_steps_give_back_the_input_exactly(monkeypatch, toy_features):
    """Only detail travels between octaves: the full-size picture is never blurred by the pyramid."""
    monkeypatch.setattr(dream_module, "ascent_step", lambda image, *args: (image, torch.zeros(())))
    image = _image()
    out = dream(image, toy_features, {"first": 1.0}, DreamParams(octaves=3), frame_generator(0, 0), SPACE)
    assert torch.allclose(out, image, atol=1e-6)


def test_detail_dreamed_at_small_octaves_is_carried_to_full_size(monkeypatch, toy_features):
    monkeypatch.setattr(dream_module, "ascent_step", lambda image, *args: (image + 0.01, torch.zeros(())))
    image = _image()
    cfg = DreamParams(octaves=3, steps=4)
    out = dream(image, toy_features, {"first": 1.0}, cfg, frame_generator(0, 0), SPACE)
    # every octave's 4 steps added 0.01; all of it reached the full-size result
    assert torch.allclose(out - image, torch.full_like(image, 0.01 * 4 * 3), atol=1e-5)


def test_smoothing_damps_a_checkerboard_and_keeps_the_mean():
    checker = (torch.arange(16).view(1, -1) + torch.arange(16).view(-1, 1)) % 2
    grad = checker.float().expand(1, 3, 16, 16) + 1.0
    smoothed = smooth(grad, 1.5)
    assert smoothed.std() < 0.1 * grad.std()
    assert smoothed.mean() == pytest.approx(grad.mean().item(), rel=1e-3)


def test_frame_randomness_depends_only_on_seed_and_index():
    draw = lambda g: torch.randint(0, 10**6, (4,), generator=g).tolist()  # noqa: E731
    assert draw(frame_generator(5, 9)) == draw(frame_generator(5, 9))
    assert draw(frame_generator(5, 9)) != draw(frame_generator(5, 10))
    assert draw(frame_generator(5, 9)) != draw(frame_generator(6, 9))


def test_same_seed_same_dream(toy_features):
    cfg = DreamParams(octaves=2, steps=3)

    def run():
        return dream(_image(), toy_features, {"second": 1.0}, cfg, frame_generator(1, 2), SPACE)

    assert torch.equal(run(), run())


def test_pyramid_too_small_for_the_layer_suggests_what_fits():
    with pytest.raises(UserError) as caught:
        check_pyramid(40, 64, 4, 1.4, "conv5_1")
    message = str(caught.value)
    assert "dream.octaves=3" in message and "conv5_1" in message and "\n" not in message
    check_pyramid(72, 128, 4, 1.4, "conv5_1")  # 26 px: fits


@pytest.mark.parametrize(
    "field, value",
    [("octaves", 0), ("steps", 0), ("octave_scale", 1.0), ("lr", 0.0), ("jitter", -1), ("smoothing", 0.0)],
)
def test_bad_dream_settings_are_refused(field, value):
    with pytest.raises(UserError, match=f"dream.{field}"):
        DreamConfig(**{field: value})


def test_strength_can_be_keyframed():
    cfg = DreamConfig(steps="0:(10), 2:(4)", lr="0.09 + 0.01*t")
    assert cfg.at(0.0).steps == 10 and cfg.at(1.0).steps == 7 and cfg.at(5.0).steps == 4
    assert cfg.at(1.0).lr == pytest.approx(0.10)


def test_strength_that_drops_out_of_range_later_is_refused_when_reached():
    cfg = DreamConfig(lr="0:(0.1), 2:(-0.1)")
    with pytest.raises(UserError, match="dream.lr"):
        cfg.at(1.5)


def test_frames_after_the_first_can_dream_lighter():
    cfg = DreamConfig(octaves=4, steps="10", frame_octaves=2, frame_steps="3", frame_lr="0.13")
    assert (cfg.at(0.0).octaves, cfg.at(0.0).steps, cfg.at(0.0).lr) == (4, 10, 0.09)
    later = cfg.at(1.0, first_frame=False)
    assert (later.octaves, later.steps, later.lr) == (2, 3, 0.13)
    same = DreamConfig(octaves=3, steps="7")
    assert same.at(1.0, first_frame=False) == same.at(1.0)
    with pytest.raises(UserError, match="dream.frame_steps"):
        DreamConfig(frame_steps="0")
    with pytest.raises(UserError, match="dream.frame_lr"):
        DreamConfig(frame_lr="-1")
