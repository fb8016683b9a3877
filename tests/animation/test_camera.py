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


@pytest.mark.parametrize("field, value", [("zoom", "fast"), ("angle", "0:(1), x:(2)")])
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
    assert covering_zoom(0.0, np.array([10.0, 10.0]), width, height) == 1.0  # no turn: no zoom needed


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


CENTRE = np.array([(W - 1) / 2, (H - 1) / 2])


def _moved_dot(cfg, fps, start, frames=1):
    camera = Camera(cfg, fps=fps, width=W, height=H)
    frame = _dot_frame(*start)
    for index in range(frames):
        frame = camera.warp(frame, index / fps)
    return np.array(_centroid(frame))


def test_rotation_turns_counter_clockwise_by_degrees_per_second():
    """90 deg/s at 2 fps: 45 degrees a frame. On screen (y down), counter-clockwise takes a point right
    of the centre up and to the right; a clockwise (mirrored) or missing turn lands 10+ px away."""
    start = np.array([67, 32])
    moved = _moved_dot(MotionConfig(angle="90"), 2, start)
    radius, turn = start - CENTRE, np.radians(45)
    expected = CENTRE + np.array([radius[0] * np.cos(turn), -radius[0] * np.sin(turn)])
    expected += np.array([radius[1] * np.sin(turn), radius[1] * np.cos(turn)])  # the 0.5 px off-axis part
    assert moved == pytest.approx(expected, abs=0.5)


def test_a_second_of_rotation_is_the_whole_angle():
    moved = _moved_dot(MotionConfig(angle="90"), 4, (67, 32), frames=4)  # 4 frames at 4 fps: 90 degrees
    radius = np.array([67, 32]) - CENTRE
    expected = CENTRE + np.array([radius[1], -radius[0]])  # (x, y) -> (y, -x) about the centre
    assert moved == pytest.approx(expected, abs=0.5)


def test_pan_moves_right_and_down_in_frame_sizes_per_second():
    # 0.25 widths and 0.5 heights per second at 2 fps: 12 px right and 16 px down a frame (96x64)
    moved = _moved_dot(MotionConfig(shift_x="0.25", shift_y="0.5"), 2, (30, 20))
    assert moved == pytest.approx((30 + 12, 20 + 16), abs=0.3)
    moved = _moved_dot(MotionConfig(shift_x="-0.25", shift_y="-0.25"), 2, (50, 40))
    assert moved == pytest.approx((50 - 12, 40 - 8), abs=0.3)


def test_a_second_of_zoom_is_the_whole_factor():
    moved = _moved_dot(MotionConfig(zoom="1.5"), 3, (70, 40), frames=3)
    assert moved == pytest.approx(CENTRE + (np.array([70, 40]) - CENTRE) * 1.5, abs=0.3)


def test_zoom_out_moves_a_marked_pixel_inward():
    moved = _moved_dot(MotionConfig(zoom="0.8", border="replicate"), 1, (67, 45))
    assert moved == pytest.approx(CENTRE + (np.array([67, 45]) - CENTRE) * 0.8, abs=0.3)


def test_the_focal_point_stays_put_while_everything_else_zooms_away_from_it():
    focus = np.array([0.25 * (W - 1), 0.75 * (H - 1)])  # (23.75, 47.25)
    cfg = MotionConfig(zoom="2", focus_x="0.25", focus_y="0.75")
    moved = _moved_dot(cfg, 1, (40, 40))
    assert moved == pytest.approx(focus + (np.array([40, 40]) - focus) * 2, abs=0.3)


def test_the_matrix_of_a_second_is_the_similarity_of_the_rates():
    """Composed over a second, the per-frame steps give exactly zoom Z and angle A about the focus, then
    the pan: checked against the formula, not against another frame rate."""
    zoom, angle, fps = 1.4, 30.0, 5
    total = _one_second(MotionConfig(zoom=str(zoom), angle=str(angle), shift_x="0.1", shift_y="-0.2"), fps)
    a, b = zoom * np.cos(np.radians(angle)), zoom * np.sin(np.radians(angle))
    linear = np.array([[a, b], [-b, a]])
    assert total[:2, :2] == pytest.approx(linear, abs=1e-9)
    shift = np.array([0.1 * W, -0.2 * H])
    assert total[:2, 2] == pytest.approx(CENTRE - linear @ CENTRE + shift, abs=1e-9)


def test_keyframed_rates_are_read_at_the_frame_time():
    camera = Camera(MotionConfig(zoom="0:(1.0), 1:(3.0)", angle="0:(0), 2:(40)"), fps=4, width=W, height=H)
    assert camera.values_at(0.5)["zoom"] == pytest.approx(2.0)
    assert camera.values_at(0.5)["angle"] == pytest.approx(10.0)
    step = camera.matrix(0.5)  # zoom 2 per second, 10 deg per second, at 4 fps
    scale, turn = 2.0**0.25, np.radians(2.5)
    assert step[:, :2] == pytest.approx(scale * np.array([[np.cos(turn), np.sin(turn)],
                                                          [-np.sin(turn), np.cos(turn)]]))  # fmt: skip


def test_a_still_camera_does_not_move_and_a_moving_one_does():
    assert not Camera(MotionConfig(), fps=24, width=W, height=H).moved()
    assert np.array_equal(Camera(MotionConfig(), fps=24, width=W, height=H).matrix(3.0), np.eye(2, 3))
    for cfg in (MotionConfig(zoom="1.01"), MotionConfig(angle="1"), MotionConfig(shift_y="0.01"),
                MotionConfig(zoom="0:(1.0), 5:(1.0), 9:(1.2)")):  # fmt: skip
        assert Camera(cfg, fps=24, width=W, height=H).moved()


def test_cover_raises_the_zoom_only_as_far_as_needed():
    from pipeline.animation.camera import covering_zoom

    camera = Camera(MotionConfig(angle="12", cover=True), fps=4, width=W, height=H)
    needed = covering_zoom(3.0, CENTRE, W, H)  # 12 deg/s at 4 fps: 3 degrees a frame
    assert needed > 1.01
    assert camera.values_at(0.0)["zoom"] == pytest.approx(needed**4)
    assert camera.values_at(0.0)["angle"] == 12.0
    big = Camera(MotionConfig(zoom="3", angle="12", cover=True), fps=4, width=W, height=H)
    assert big.values_at(0.0)["zoom"] == 3.0  # already enough: left alone


@pytest.mark.parametrize("border, want", [("reflect", 0.0), ("replicate", 0.5), ("wrap", 1.0)])
def test_border_mode_decides_what_comes_in_from_outside(border, want):
    frame = np.zeros((H, W, 3), np.float32)
    frame[:, -1] = 1.0  # the right-most column is white
    frame[:, 0] = 0.5  # the left-most column grey
    camera = Camera(MotionConfig(shift_x="0.125", border=border), fps=1, width=W, height=H)  # 12 px right
    warped = camera.warp(frame, 0.0)
    # column 11 now shows source column -1, from outside: reflect mirrors column 1 (black), replicate
    # repeats the grey edge, wrap brings in the white right edge; column 12 is the old grey edge
    assert warped[H // 2, 11, 0] == pytest.approx(want, abs=1e-5)
    assert warped[H // 2, 12, 0] == pytest.approx(0.5, abs=1e-5)


def test_covering_zoom_off_centre_keeps_every_corner_inside():
    import cv2

    from pipeline.animation.camera import covering_zoom

    focus = np.array([20.0, 10.0])
    needed = covering_zoom(10.0, focus, W, H)
    corners = np.array([[0, 0], [W - 1, 0], [0, H - 1], [W - 1, H - 1]], float)
    for scale, inside in ((needed, True), (needed * (1 - 1e-9), False)):
        inverse = cv2.invertAffineTransform(cv2.getRotationMatrix2D(tuple(focus), 10.0, scale))
        sources = corners @ inverse[:, :2].T + inverse[:, 2]
        ok = np.all(sources >= -1e-6) and np.all(sources <= np.array([W - 1, H - 1]) + 1e-6)
        assert ok == inside


def test_warp_clips_the_cubic_overshoot_at_both_ends():
    import cv2

    frame = np.zeros((H, W, 3), np.float32)
    frame[:, W // 2 :] = 1.0  # a hard edge: cubic interpolation rings on both sides of it
    camera = Camera(MotionConfig(shift_x=str(0.5 / W)), fps=1, width=W, height=H)  # half a pixel right
    raw = cv2.warpAffine(
        frame, camera.matrix(0.0), (W, H), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101
    )
    assert raw.min() < -0.01 and raw.max() > 1.01  # the overshoot is real
    warped = camera.warp(frame, 0.0)
    assert warped.min() == 0.0 and warped.max() == 1.0
    assert 0.4 < warped[H // 2, W // 2, 0] < 0.6  # and the edge did move half a pixel


def test_warp_keeps_detail_that_linear_interpolation_would_blur():
    """Cubic, as FIELD_NOTES measured: a fine pattern panned by half a pixel keeps more contrast."""
    import cv2

    frame = np.zeros((H, W, 3), np.float32)
    frame[:, ::4] = frame[:, 1::4] = 0.8
    frame += 0.1
    camera = Camera(MotionConfig(shift_x=str(0.5 / W)), fps=1, width=W, height=H)
    linear = cv2.warpAffine(frame, camera.matrix(0.0), (W, H), flags=cv2.INTER_LINEAR)
    assert camera.warp(frame, 0.0)[8:-8, 8:-8].std() > 1.1 * linear[8:-8, 8:-8].std()


def test_a_zoom_that_reaches_zero_is_refused_when_reached():
    camera = Camera(MotionConfig(zoom="0:(1.0), 1:(0.0)"), fps=10, width=W, height=H)
    with pytest.raises(UserError, match="motion.zoom must stay above 0"):
        camera.values_at(1.0)


def test_a_curve_that_cannot_be_computed_names_its_motion_setting():
    camera = Camera(MotionConfig(angle="0*sqrt(1 - t)"), fps=10, width=W, height=H)
    with pytest.raises(UserError, match="^motion.angle: cannot evaluate"):
        camera.matrix(2.0)


def test_a_camera_that_moves_only_at_the_start_still_counts_as_moving():
    assert Camera(MotionConfig(zoom="0:(1.2), 0.5:(1.0)"), fps=24, width=W, height=H).moved()


def test_a_zoom_of_zero_from_the_start_is_refused_when_composed():
    with pytest.raises(UserError, match=r"^motion.zoom must stay above 0 \(1.0 holds still"):
        MotionConfig(zoom="0")


def test_a_zoom_that_cannot_be_computed_at_the_start_names_the_setting():
    with pytest.raises(UserError, match="^motion.zoom: cannot evaluate"):
        MotionConfig(zoom="1 + 1/t")  # reads fine, divides by zero at t = 0
