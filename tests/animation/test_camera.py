import numpy as np
import pytest

from pipeline.animation.camera import Camera
from pipeline.animation.motion_config import MotionConfig
from pipeline.errors import UserError

W, H = 96, 64


def _dot_frame(x, y):
    frame = np.zeros((H, W, 3), np.float32)
    frame[y - 1 : y + 2, x - 1 : x + 2] = 1.0
    return frame


def _centroid(frame):
    ys, xs = np.nonzero(frame[..., 0] > 0.3)
    weights = frame[ys, xs, 0]
    return np.average(xs, weights=weights), np.average(ys, weights=weights)


def test_zoom_in_moves_a_marked_pixel_outward():
    camera = Camera(MotionConfig(zoom="2.0"), fps=4, width=W, height=H)
    centre = np.array([(W - 1) / 2, (H - 1) / 2])
    start = np.array([70.0, 40.0])
    moved = np.array(_centroid(camera.warp(_dot_frame(70, 40), 0.0)))
    expected = centre + (start - centre) * 2.0 ** (1 / 4)  # one frame of a 2x-per-second zoom
    assert np.linalg.norm(moved - centre) > np.linalg.norm(start - centre)
    assert moved == pytest.approx(expected, abs=0.3)


def _one_second(cfg, fps):
    camera = Camera(cfg, fps=fps, width=W, height=H)
    total = np.eye(3)
    for index in range(fps):
        total = np.vstack([camera.matrix(index / fps), [0, 0, 1]]) @ total
    return total


@pytest.mark.parametrize(
    "cfg",
    [
        MotionConfig(zoom="1.3"),
        MotionConfig(zoom="1.1", angle="12", shift_x="0.05", shift_y="-0.02"),
    ],
)
def test_one_second_of_motion_is_the_same_at_24_and_60_fps(cfg):
    assert np.allclose(_one_second(cfg, 24), _one_second(cfg, 60), atol=1e-6)


def test_keyframed_motion_matches_across_frame_rates_within_sampling_error():
    cfg = MotionConfig(zoom="0:(1.0), 1:(1.5)")
    at24, at60 = _one_second(cfg, 24), _one_second(cfg, 60)
    assert np.allclose(at24[:2, :2], at60[:2, :2], atol=0.02)


def test_warped_images_agree_across_frame_rates():
    rng = np.random.default_rng(0)
    import cv2

    frame = cv2.GaussianBlur(rng.random((H, W, 3)).astype(np.float32), (0, 0), 3)
    results = {}
    for fps in (24, 60):
        camera = Camera(MotionConfig(zoom="1.2", angle="5"), fps=fps, width=W, height=H)
        warped = frame
        for index in range(fps):
            warped = camera.warp(warped, index / fps)
        results[fps] = warped
    inner = (slice(16, -16), slice(16, -16))
    assert np.abs(results[24][inner] - results[60][inner]).mean() < 0.02


def test_rotation_never_pulls_black_into_the_corners():
    frame = np.full((H, W, 3), 0.6, np.float32)
    frame[::7] = 0.4  # some texture
    camera = Camera(MotionConfig(zoom="1.0", angle="90"), fps=10, width=W, height=H)
    for index in range(30):
        frame = camera.warp(frame, index / 10)
    corners = np.stack([frame[:4, :4], frame[:4, -4:], frame[-4:, :4], frame[-4:, -4:]])
    assert corners.min() > 0.3


def test_warp_stays_in_range():
    frame = (np.indices((H, W)).sum(0) % 2).astype(np.float32)[..., None].repeat(3, axis=2)
    warped = Camera(MotionConfig(zoom="1.7", angle="20"), fps=2, width=W, height=H).warp(frame, 0.0)
    assert warped.min() >= 0.0 and warped.max() <= 1.0


def test_zoom_must_stay_positive():
    camera = Camera(MotionConfig(zoom="0:(1.0), 1:(-1.0)"), fps=10, width=W, height=H)
    camera.matrix(0.0)
    with pytest.raises(UserError, match="motion.zoom"):
        camera.matrix(0.9)


@pytest.mark.parametrize("field, value", [("border", "black"), ("zoom", "fast"), ("angle", "0:(1), x:(2)")])
def test_bad_motion_settings_are_refused(field, value):
    with pytest.raises(UserError, match=field):
        MotionConfig(**{field: value})


def test_zoom_and_rotation_turn_about_the_focal_point():
    camera = Camera(
        MotionConfig(zoom="1.5", angle="30", focus_x="0.25", focus_y="0.75"), fps=2, width=W, height=H
    )
    matrix = camera.matrix(0.0)
    focus = np.array([0.25 * (W - 1), 0.75 * (H - 1)])
    assert matrix[:, :2] @ focus + matrix[:, 2] == pytest.approx(focus)


def test_covering_zoom_matches_the_closed_form_at_the_centre():
    import math

    from pipeline.animation.camera import covering_zoom

    width, height = 1281, 721  # (W-1)/(H-1) = 16/9 exactly in pixel-centre coordinates
    needed = covering_zoom(1.0, np.array([(width - 1) / 2, (height - 1) / 2]), width, height)
    a = math.radians(1.0)
    assert needed == pytest.approx(math.cos(a) + (1280 / 720) * math.sin(a), rel=1e-6)
    assert covering_zoom(0.0, np.array([10.0, 10.0]), width, height) == pytest.approx(1.0)


@pytest.mark.parametrize("preset", ["zoom_rotate", "spiral"])
def test_rotating_presets_never_sample_outside_the_frame(preset):
    import cv2

    from tests.conftest import compose_config

    cfg = compose_config(f"motion={preset}", "width=96", "height=54")
    camera = Camera(cfg.motion, fps=24, width=96, height=54)
    frame = np.full((54, 96, 3), 0.5, np.float32)
    for index in range(120):
        # a constant border of -1 marks every pixel that came from outside the frame
        frame = cv2.warpAffine(
            frame, camera.matrix(index / 24), (96, 54), flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1),
        )  # fmt: skip
        assert frame.min() > 0.499, f"border pixels entered at frame {index}"


def test_without_cover_rotation_would_expose_the_border():
    import cv2

    camera = Camera(MotionConfig(angle="6"), fps=24, width=96, height=54)
    frame = np.full((54, 96, 3), 0.5, np.float32)
    warped = cv2.warpAffine(
        frame, camera.matrix(0.0), (96, 54), borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1)
    )
    assert warped.min() < 0.45  # so the cover test above is not passing vacuously
