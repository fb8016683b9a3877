import pytest
import torch

import pipeline.dreamer.ascent as dream_module
from pipeline.animation.dream_config import DreamConfig
from pipeline.dreamer.ascent import dream, frame_generator, objective, smooth
from pipeline.dreamer.load import random_features
from pipeline.dreamer.pixels import PixelSpace
from pipeline.dreamer.pyramid import check_pyramid, octave_sizes
from pipeline.dreamer.settings import DreamParams
from pipeline.dreamer.vgg import FeatureTaps
from pipeline.errors import UserError

SPACE = PixelSpace.of([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])


def _image(seed=0, size=(40, 48)):
    frame = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(seed))
    return (frame - SPACE.mean) / SPACE.std


def test_objective_rises_on_a_toy_net(toy_features):
    image = _image()
    weights = {"first": 0.3, "second": 1.0}
    cfg = DreamParams(octaves=1, steps=8, jitter=2, lr=0.05)
    dreamed = dream(image, toy_features, weights, cfg, frame_generator(0, 0), SPACE).image
    before, after = objective(image, toy_features, weights), objective(dreamed, toy_features, weights)
    assert after > before * 1.2


def test_objective_rises_on_random_vgg19():
    taps = FeatureTaps(random_features(0)[:12])  # up to conv3_1
    space = PixelSpace.imagenet()
    image = space.encode(torch.rand(48, 64, 3, generator=torch.Generator().manual_seed(1)).numpy())
    weights = {"conv3_1": 1.0}
    dreamed = dream(
        image, taps, weights, DreamParams(octaves=2, steps=3, jitter=4), frame_generator(0, 0), space
    ).image
    assert objective(dreamed, taps, weights) > objective(image, taps, weights)


def test_dream_stays_in_the_valid_pixel_range(toy_features):
    cfg = DreamParams(octaves=2, steps=6, lr=2.0, jitter=3)
    dreamed = dream(_image(), toy_features, {"second": 1.0}, cfg, frame_generator(0, 0), SPACE).image
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
    out = dream(
        image, toy_features, {"first": 1.0}, DreamParams(octaves=3), frame_generator(0, 0), SPACE
    ).image
    assert torch.allclose(out, image, atol=1e-6)


def test_detail_dreamed_at_small_octaves_is_carried_to_full_size(monkeypatch, toy_features):
    monkeypatch.setattr(dream_module, "ascent_step", lambda image, *args: (image + 0.01, torch.zeros(())))
    image = _image()
    cfg = DreamParams(octaves=3, steps=4)
    out = dream(image, toy_features, {"first": 1.0}, cfg, frame_generator(0, 0), SPACE).image
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
        return dream(_image(), toy_features, {"second": 1.0}, cfg, frame_generator(1, 2), SPACE).image

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


def _identity_features(image, layers):
    """The image itself as the only "activation": its gradient sits exactly on the bright pixels."""
    return {name: image for name in layers}


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_jitter_roll_is_undone_so_the_update_lands_on_the_features(seed):
    """A blob's own gradient must raise the blob, wherever the random roll put it during the step."""
    from pipeline.dreamer.ascent import ascent_step

    image = torch.zeros(1, 3, 48, 56)
    image[..., 20:24, 30:34] = 1.0  # a bright blob on mid grey (0 in normalised units)
    generator = frame_generator(seed, 0)
    dy, dx = torch.randint(-12, 13, (2,), generator=frame_generator(seed, 0)).tolist()
    assert (dy, dx) != (0, 0)  # the step really rolls
    cfg = DreamParams(octaves=1, steps=4, jitter=12, lr=0.1)
    after, _ = ascent_step(image, _identity_features, {"x": 1.0}, cfg, 0, generator, SPACE)
    update = (after - image)[0, 0]
    peak = divmod(int(update.argmax()), update.shape[1])
    assert 20 <= peak[0] < 24 and 30 <= peak[1] < 34, (peak, (dy, dx))
    # symmetric around the blob's centre: a shifted update would be lopsided
    blob = update[18:26, 28:36]
    assert torch.allclose(blob, blob.flip(0), atol=1e-5) and torch.allclose(blob, blob.flip(1), atol=1e-5)


def test_a_step_returns_the_objective_before_it_and_moves_by_lr():
    from pipeline.dreamer.ascent import ascent_step

    image = _image(3) * 0.5  # inside [-1, 1]: far from the clamp at [-2, 2]
    cfg = DreamParams(octaves=1, steps=5, jitter=0, lr=0.01)
    after, value = ascent_step(image, _identity_features, {"x": 2.0}, cfg, 1, frame_generator(0, 0), SPACE)
    assert value.item() == pytest.approx(2.0 * image.pow(2).mean().item(), rel=1e-6)
    # the normalised gradient has std 1, so lr sets the step's size (nothing is clamped at lr=0.01 here)
    assert (after - image).std().item() == pytest.approx(0.01, rel=1e-3)
    assert (after - image).mean().abs().item() < 1e-6


def test_objective_weights_layers_and_means_their_squares():
    image = torch.full((1, 3, 4, 4), 2.0)

    def features(x, layers):
        return {"a": x, "b": 3 * x[..., :2, :2]}

    assert objective(image, features, {"a": 1.0}).item() == pytest.approx(4.0)
    assert objective(image, features, {"b": 0.5}).item() == pytest.approx(0.5 * 36.0)
    assert objective(image, features, {"a": 0.25, "b": 1.0}).item() == pytest.approx(1.0 + 36.0)


def test_smoothing_grows_with_sigma_and_matches_the_three_blur_mean():
    from torchvision.transforms.v2 import functional as tvf

    spike = torch.zeros(1, 1, 21, 21)
    spike[..., 10, 10] = 1.0
    wide, narrow = smooth(spike, 2.0), smooth(spike, 0.5)
    assert wide[..., 10, 10] < narrow[..., 10, 10]  # a bigger sigma spreads the spike further
    expected = sum(tvf.gaussian_blur(spike, [9, 9], [s, s]) for s in (0.5, 1.0, 2.0)) / 3
    assert torch.allclose(smooth(spike, 1.0), expected, atol=1e-7)
    assert smooth(spike, 1.0).sum().item() == pytest.approx(1.0, abs=1e-5)


def test_smoothing_sigma_rises_over_the_steps_of_an_octave(monkeypatch):
    from pipeline.dreamer.ascent import ascent_step

    sigmas = []
    monkeypatch.setattr(dream_module, "smooth", lambda grad, sigma: sigmas.append(sigma) or grad)
    cfg = DreamParams(octaves=1, steps=4, jitter=0, smoothing=0.5)
    for step in range(4):
        ascent_step(_image(), _identity_features, {"x": 1.0}, cfg, step, frame_generator(0, 0), SPACE)
    assert sigmas == pytest.approx([0.5 + 2.0 * (i + 1) / 4 for i in range(4)])


def test_dream_reports_the_objective_at_the_first_and_last_step_of_the_last_octave(monkeypatch):
    calls = []

    def step(image, features, weights, cfg, index, generator, space):
        calls.append(tuple(image.shape[-2:]))
        return image, torch.tensor(float(len(calls)))

    monkeypatch.setattr(dream_module, "ascent_step", step)
    dreamed = dream(_image(), None, {"x": 1.0}, DreamParams(octaves=2, steps=3), frame_generator(0, 0), SPACE)
    assert calls == [(29, 34)] * 3 + [(40, 48)] * 3  # 40 / 1.4 = 28.6, 48 / 1.4 = 34.3
    assert (dreamed.objective_start, dreamed.objective_end) == (4.0, 6.0)


def test_frame_randomness_is_a_pure_function_of_seed_and_index():
    a = torch.randint(0, 10**9, (3,), generator=frame_generator(11, 4)).tolist()
    import numpy as np

    state = np.random.SeedSequence([11, 4]).generate_state(1, dtype=np.uint64)[0]
    b = torch.randint(
        0, 10**9, (3,), generator=torch.Generator().manual_seed(int(state) & (2**63 - 1))
    ).tolist()
    assert a == b


def test_a_frame_gets_every_setting_of_its_config():
    cfg = DreamConfig(octaves=3, octave_scale=1.5, steps="6", lr="0.2", jitter=7, smoothing=0.7,
                      tile_pixels=1234, tile=32)  # fmt: skip
    assert cfg.at(0.0) == DreamParams(3, 1.5, 6, 0.2, 7, 0.7, 1234, 32)
    assert cfg.at(9.0, first_frame=False) == DreamParams(3, 1.5, 6, 0.2, 7, 0.7, 1234, 32)


@pytest.mark.parametrize(
    "kwargs", [{"octaves": 1}, {"frame_octaves": 1}, {"jitter": 0}, {"tile": 16}, {"tile_pixels": 1}]
)
def test_the_smallest_valid_dream_settings_are_accepted(kwargs):
    DreamConfig(**kwargs)
    assert DreamConfig(steps="1").at(0.0).steps == 1


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"frame_octaves": 0}, "dream.frame_octaves must be at least 1"),
        ({"tile": 8}, "dream.tile must be a multiple of 16"),
        ({"tile": 24}, "dream.tile must be a multiple of 16"),
        ({"tile_pixels": 0}, "dream.tile_pixels must be >= 1"),
        ({"steps": "ten"}, "dream.steps: "),
        ({"lr": "fast"}, "dream.lr: "),
        ({"frame_steps": "0:(1), x"}, "dream.frame_steps: "),
        ({"frame_lr": "?"}, "dream.frame_lr: "),
    ],
)
def test_bad_dream_settings_name_themselves(kwargs, fragment):
    with pytest.raises(UserError) as caught:
        DreamConfig(**kwargs)
    assert str(caught.value).startswith("dream.") and fragment in str(caught.value)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"lr": "0.1 + 0*sqrt(1 - t)"}, "dream.lr"), ({"frame_steps": "4 + 0*log(2 - t)"}, "dream.frame_steps")],
)
def test_a_strength_that_cannot_be_computed_later_names_its_setting(kwargs, name):
    cfg = DreamConfig(**kwargs)  # fine at t = 0
    with pytest.raises(UserError, match=f"^{name}: cannot evaluate"):
        cfg.at(3.0, first_frame=False)
