import cv2
import numpy as np
import pytest

from pipeline.animation.coherence import Coherence, flow_between, make_dis, warp_with_flow
from pipeline.animation.coherence_config import CoherenceConfig
from pipeline.errors import UserError

H, W, SIDE, TOP = 64, 96, 24, 20


def _texture(rows, cols, seed, sigma=1.0):
    """Blurred noise stretched to full contrast: something optical flow can lock onto."""
    noise = cv2.GaussianBlur(
        np.random.default_rng(seed).random((rows, cols, 3)).astype(np.float32), (0, 0), sigma
    )
    return np.clip((noise - noise.mean()) * 3 + 0.5, 0, 1).astype(np.float32)


def _smooth_background():
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([0.4 + 0.1 * np.sin(x / 15), 0.5 + 0.1 * np.cos(y / 11), 0.5 + 0 * x], -1)


def _with_square(background, left):
    frame = background.copy()
    frame[TOP : TOP + SIDE, left : left + SIDE] = _texture(SIDE, SIDE, seed=1)
    return frame.astype(np.float32)


def _centroid(weights):
    ys, xs = np.nonzero(weights)
    values = weights[ys, xs]
    return (xs * values).sum() / values.sum(), (ys * values).sum() / values.sum()


@pytest.mark.parametrize("step", [2, 5])
def test_flow_carries_the_detail_along_with_the_moving_square(step):
    background = _smooth_background()
    previous, current = _with_square(background, 30), _with_square(background, 30 + step)
    blob = np.zeros_like(previous)
    blob[26:38, 36:42] = 0.2  # dreamed detail sitting on the square
    coherence = Coherence(CoherenceConfig())
    frame, stats = coherence.next_input(current, previous, np.clip(previous + blob, 0, 1))
    carried = np.abs(frame - current).sum(-1)
    before, after = _centroid(blob.sum(-1)), _centroid(np.where(carried > 0.05, carried, 0))
    assert after[0] - before[0] == pytest.approx(step, abs=1.0)
    assert after[1] == pytest.approx(before[1], abs=1.0)
    assert carried.max() > 0.45 and frame.dtype == np.float32  # 0.6 (3 x 0.2), squashed by tanh
    assert stats["motion"] > 0 and stats["carried"] > 0 and not stats["cut"]


def test_pixels_the_square_uncovers_get_no_detail_and_the_square_keeps_it():
    background = _texture(H, W, seed=2)  # textured, so the flow there is pinned at zero
    previous, current = _with_square(background, 30), _with_square(background, 34)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    detail = (0.1 * np.sin(x / 2) * np.sin(y / 2))[..., None].repeat(3, -1)  # detail everywhere
    frame, stats = Coherence(CoherenceConfig()).next_input(current, previous, previous + detail)
    carried = np.abs(frame - current).mean(-1)
    uncovered = carried[TOP + 2 : TOP + SIDE - 2, 30:34]
    inside = carried[TOP + 6 : TOP + SIDE - 6, 40:52]
    assert uncovered.max() < 0.01  # dreamed fresh, no ghost of the square
    assert inside.mean() > 0.5 * np.abs(detail).mean()
    assert 0.005 < stats["masked"] < 0.2


def test_a_scene_cut_carries_nothing():
    frame, stats = Coherence(CoherenceConfig()).next_input(
        _texture(H, W, seed=3), _texture(H, W, seed=4), _texture(H, W, seed=5)
    )
    assert stats["cut"] and stats["masked"] == 1.0
    np.testing.assert_array_equal(frame, _texture(H, W, seed=3))


def test_detail_fed_back_for_100_frames_does_not_build_up_brightness_or_saturation():
    source = _texture(H, W, seed=6, sigma=3.0) * 0.6 + 0.2
    ring = 0.05 * np.sin(np.hypot(*np.mgrid[0:H, 0:W]) / 3)[..., None]
    coherence, config = Coherence(CoherenceConfig()), CoherenceConfig()
    dream = source
    for _ in range(100):
        frame, _ = coherence.next_input(source, source, dream)
        dream = np.clip(frame + 0.1 + ring, 0, 1).astype(np.float32)  # a dreamer that brightens every frame
    drift = frame.mean(axis=(0, 1)) / source.mean(axis=(0, 1)) - 1
    assert np.abs(drift).max() < 0.03
    assert np.abs(frame - source).max() <= 2 * config.max_detail


def test_blend_mixes_the_previous_dream_in_at_its_weight():
    source, dream = _texture(H, W, seed=7), _texture(H, W, seed=8)
    frame, stats = Coherence(CoherenceConfig(mode="blend", blend=0.3)).next_input(source, source, dream)
    np.testing.assert_allclose(frame, 0.7 * source + 0.3 * dream, atol=1e-6)
    assert stats["carried"] > 0


@pytest.mark.parametrize("mode", ["none", "blend", "flow"])
def test_none_and_every_first_frame_dream_the_source_itself(mode):
    source, dream = _texture(H, W, seed=9), _texture(H, W, seed=10)
    coherence = Coherence(CoherenceConfig(mode=mode))
    assert coherence.next_input(source, None, None)[0] is source
    if mode == "none":
        assert coherence.next_input(source, dream, dream)[0] is source


def test_flow_between_and_warp_with_flow_recover_a_known_shift():
    image = _texture(H, W, seed=11)
    shifted = np.roll(image, 3, axis=1)  # content moves 3 px right
    back = flow_between(make_dis("medium"), shifted, image)
    assert np.median(back[..., 0]) == pytest.approx(-3, abs=0.1)
    warped = warp_with_flow(image, back)
    assert np.abs(warped - shifted)[8:-8, 8:-8].mean() < 0.02


@pytest.mark.parametrize(
    "settings, fragment",
    [
        ({"blend": 1.5}, "coherence.blend"),
        ({"detail": -0.1}, "coherence.detail"),
        ({"consistency": 0}, "coherence.consistency"),
        ({"max_detail": 0}, "coherence.max_detail"),
    ],
)
def test_bad_settings_are_refused_in_one_line(settings, fragment):
    with pytest.raises(UserError, match=fragment) as caught:
        CoherenceConfig(**settings)
    assert "\n" not in str(caught.value)
