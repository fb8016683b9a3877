"""Cadence: in-betweens are the camera's exact warps of the neighbouring dreams; the manifest says which
frames were dreamed; a killed cadence render resumes byte-identically."""

import json
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from pipeline.animation.cadence import CadenceFeed, in_between, inside, travel
from pipeline.animation.camera import Camera
from pipeline.animation.motion_config import MotionConfig
from pipeline.bench.smoothness import residual, summarise
from pipeline.render import render
from tests.allocations import peak_bytes

W, H, FPS, ZOOM = 64, 48, 24.0, 1.25


class StubDreamer:
    """'Dreams' frame k as fixed seeded noise (its input ignored) and records the inputs it was given."""

    def __init__(self):
        self.inputs = {}

    def dream(self, frame, index):
        self.inputs[index] = frame
        return _noise(index), {"index": index}


def drive(feed, dreamer):
    """The render loop's way through a feed, with a stub dreamer: [(image, record, keep)] by frame index."""
    made = {}
    for index in feed.frames_to_dream():
        source, _ = feed.input_for(index)
        dreamed, _ = dreamer.dream(source, index)
        for written in feed.move_on(index, dreamed):
            made[written.index] = (written.image, {"dreamed": written.between is None}, written.keep)
    return [made[index] for index in sorted(made)]


def _noise(index):
    return np.random.default_rng(index).random((H, W, 3), dtype=np.float32)


def _zoom(frame, scale):
    """A zoom by `scale` about the centre, written independently of the camera code: per-second rates
    compose, so n frames of a 1.25x-per-second zoom are one zoom by 1.25 ** (n / fps)."""
    matrix = cv2.getRotationMatrix2D(((W - 1) / 2, (H - 1) / 2), 0, scale)
    warped = cv2.warpAffine(frame, matrix, (W, H), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    return np.clip(warped, 0, 1)


def _inside_after_zoom(scale):
    """Pixels whose source under a zoom by `scale` about the centre lies inside the frame."""
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    cx, cy = (W - 1) / 2, (H - 1) / 2
    sx, sy = cx + (xs - cx) / scale, cy + (ys - cy) / scale
    return ((sx >= 0) & (sx <= W - 1) & (sy >= 0) & (sy <= H - 1))[..., None]


def test_in_betweens_are_exact_camera_warps_of_the_neighbouring_dreams():
    camera = Camera(MotionConfig(zoom=str(ZOOM)), FPS, W, H)
    dreamer, every, count = StubDreamer(), 3, 8
    feed = CadenceFeed(camera, every, count, 0, _noise(100))
    frames = drive(feed, dreamer)
    assert len(frames) == count
    assert sorted(dreamer.inputs) == [0, 3, 6, 7]  # every 3rd frame, and the last
    step = ZOOM ** (1 / FPS)
    for i, j in ((0, 3), (3, 6)):  # a dreamed frame starts from the previous dream moved by all N steps
        assert np.allclose(dreamer.inputs[j], _zoom(_noise(i), step ** (j - i)), atol=1e-5)
    for k in (1, 2, 4, 5):
        i, j = k // 3 * 3, k // 3 * 3 + 3
        w = (k - i) / (j - i)
        forward = _zoom(_noise(i), step ** (k - i))
        back = _zoom(_noise(j), step ** -(j - k))
        inside = _inside_after_zoom(step ** -(j - k))
        assert 0 < inside.mean() < 1  # both branches are exercised
        expected = np.where(inside, (1 - w) * forward + w * back, forward)
        assert np.allclose(frames[k][0], expected, atol=1e-5), k
        assert frames[k][2] is None and frames[k][1]["dreamed"] is False
    assert np.array_equal(frames[0][0], _noise(0))  # frame 0 is written as dreamed
    for j in (0, 3, 6, 7):
        assert (
            np.array_equal(frames[j][2], _noise(j)) and frames[j][1]["dreamed"] is True
        )  # checkpoint: the dream
    for j in (3, 6, 7):  # later dreams are written settled: back one camera step and forward again
        settled = _zoom(_zoom(_noise(j), step**-1), step)
        assert np.allclose(frames[j][0], settled, atol=1e-5), j
        assert not np.allclose(frames[j][0], _noise(j), atol=1e-2), j  # (the settling does change it)


def test_resume_continues_after_the_last_dream():
    camera = Camera(MotionConfig(zoom=str(ZOOM)), FPS, W, H)
    dreamer = StubDreamer()
    feed = CadenceFeed(camera, 3, 8, 0, _noise(100))
    whole = [image for image, _, _ in drive(feed, dreamer)]
    resumed = CadenceFeed(camera, 3, 8, 4, _noise(3))  # the checkpoint after frame 3: its dream
    again = drive(resumed, StubDreamer())
    assert len(again) == 4
    for k in range(4, 8):
        assert np.array_equal(again[k - 4][0], whole[k]), k


def test_manifest_marks_the_dreamed_frames(tiny_config, tmp_path):
    cfg = tiny_config("frames=6", "cadence=2", "layer_schedule=single", "layer_schedule.layer=conv2_1")
    render(cfg, tmp_path)
    records = [json.loads(line) for line in (tmp_path / "frames.jsonl").read_text().splitlines()]
    assert [r["dreamed"] for r in records] == [True, False, True, False, True, True]
    assert records[1]["between"] == [0, 2] and "objective_end" in records[2]
    assert len(list((tmp_path / "frames").glob("*.png"))) == 6


@pytest.mark.slow
def test_killed_cadence_render_resumes_byte_identically(tmp_path):
    from tests.test_cli import ROOT, TINY, run_cli

    settings = [*TINY, "width=128", "height=96", "dream.steps=4", "frames=9", "cadence=3", "seed=2"]
    settings += ["layer_schedule=single", "layer_schedule.layer=conv3_1"]
    assert run_cli(*settings, f"hydra.run.dir={tmp_path / 'whole'}").returncode == 0
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.render", *settings, f"hydra.run.dir={run_dir}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    while len(list((run_dir / "frames").glob("*.png"))) < 5:  # killed between two dreams
        assert process.poll() is None
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = {p.name: p.read_bytes() for p in (run_dir / "frames").glob("*.png")}
    assert len(written) < 9, "the render finished before it was killed"
    result = run_cli(f"resume={run_dir}")
    assert result.returncode == 0, result.stderr
    for index in range(9):
        name = f"{index:06d}.png"
        assert (run_dir / "frames" / name).read_bytes() == (tmp_path / "whole/frames" / name).read_bytes()
        if name in written:  # frames already written stay byte-identical
            assert written[name] == (run_dir / "frames" / name).read_bytes()


class NudgingDreamer(StubDreamer):
    """Like a dream, changes its input a little (a seeded pattern per frame) instead of replacing it."""

    def dream(self, frame, index):
        self.inputs[index] = frame
        return np.clip(frame + 0.08 * (_noise(index) - 0.5), 0, 1), {"index": index}


def _residuals(feed_every, count=13):
    camera = Camera(MotionConfig(zoom=str(ZOOM)), FPS, W, H)
    feed, dreamer = CadenceFeed(camera, feed_every, count, 0, _noise(100)), NudgingDreamer()
    made = drive(feed, dreamer)
    residuals = [residual(camera, made[k][0], made[k + 1][0], k) for k in range(count - 1)]
    return summarise(residuals, [record["dreamed"] for _, record, _ in made])


def test_cadence_shows_no_jump_at_the_dreamed_frames():
    """The change a dream brings is spread over the in-betweens before it, not dumped on its frame."""
    summary = _residuals(4)
    assert summary["jump"] <= 1.5 and summary["local_jump"] <= 1.5, summary


def test_the_smoothness_metric_sees_a_jump():
    """Without the cross-fade (in-betweens = forward warps only) the dreamed frames jump."""
    camera = Camera(MotionConfig(zoom=str(ZOOM)), FPS, W, H)
    still = _noise(5)
    frames = [still]
    for k in range(8):
        moved = camera.warp(frames[-1], k / FPS)
        frames.append(np.clip(moved + 0.08 * (_noise(k) - 0.5), 0, 1) if k % 4 == 3 else moved)
    residuals = [residual(camera, frames[k], frames[k + 1], k) for k in range(8)]
    assert residuals[0] == pytest.approx(0, abs=1e-7)  # the camera's own motion is not counted
    summary = summarise(residuals, [k % 4 == 0 for k in range(9)])
    assert summary["jump"] > 10 and summary["local_jump"] > 10 and summary["worst"] == max(residuals)


def test_render_stopped_between_two_dreams_resumes_identically(tiny_config, tmp_path, monkeypatch):
    """Deterministic kill: the render dies right after in-between frame 4 is on disk (dreams: 0, 3, 6, 8)."""
    from pipeline.output.sink import FrameSink

    settings = ("frames=9", "cadence=3", "layer_schedule=single", "layer_schedule.layer=conv2_1")
    render(tiny_config(*settings), tmp_path / "whole")
    submit = FrameSink.submit

    def submit_then_die(self, index, *args):
        submit(self, index, *args)
        if index == 4:
            self.wait()
            raise RuntimeError("killed")

    monkeypatch.setattr(FrameSink, "submit", submit_then_die)
    with pytest.raises(RuntimeError, match="killed"):
        render(tiny_config(*settings), tmp_path / "run")
    monkeypatch.undo()
    written = {p.name: p.read_bytes() for p in (tmp_path / "run/frames").glob("*.png")}
    assert len(written) == 5
    render(tiny_config(*settings, f"resume={tmp_path / 'run'}"), tmp_path / "run")
    for index in range(9):
        name = f"{index:06d}.png"
        assert (tmp_path / "run/frames" / name).read_bytes() == (
            tmp_path / "whole/frames" / name
        ).read_bytes()
    assert all(written[name] == (tmp_path / "run/frames" / name).read_bytes() for name in written)


def _inside_on_the_full_grid(matrix, width, height):
    """inside()'s definition evaluated on every pixel with a float64 grid (what it did before)."""
    back = np.linalg.inv(matrix)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    sx = back[0, 0] * xs + back[0, 1] * ys + back[0, 2]
    sy = back[1, 0] * xs + back[1, 1] * ys + back[1, 2]
    return (sx >= 0) & (sx <= width - 1) & (sy >= 0) & (sy <= height - 1)


def test_the_mask_is_exactly_the_full_grid_test_for_any_motion():
    """Zooms in and out, rotations (a quarter turn: a coordinate constant along rows), pans, exact edges."""
    rng = np.random.default_rng(0)
    matrices = [np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])]
    for scale in (0.5, 0.8, 1.0, 1.25, 2.0):
        matrices.append(np.array([[scale, 0, 1.0], [0, scale, -3.0], [0, 0, 1]]))
    for _ in range(200):
        centre, angle, scale = rng.uniform(0, 60, 2), rng.uniform(-40, 40), rng.uniform(0.5, 2)
        matrices.append(np.vstack([cv2.getRotationMatrix2D(tuple(centre), angle, scale), [0, 0, 1]]))
    for matrix in matrices:
        for width, height in ((61, 37), (2, 2), (1, 5)):
            assert np.array_equal(
                inside(matrix, width, height), _inside_on_the_full_grid(matrix, width, height)
            )


def test_an_in_between_makes_no_full_size_float64_copy():
    """At 320x180: the two warps, the blend's one temporary and a byte mask (37 bytes a pixel); before,
    a float64 pixel grid for the mask and np.where's copy made 64 (the mask alone 40, now 3)."""
    width, height = 320, 180
    camera = Camera(MotionConfig(zoom="1.25", angle="2"), FPS, width, height)
    rng = np.random.default_rng(0)
    first, last = (rng.random((height, width, 3), dtype=np.float32) for _ in range(2))
    pixels = width * height
    assert peak_bytes(lambda: in_between(camera, (0, first), (6, last), 2)) <= 40 * pixels
    assert peak_bytes(lambda: inside(travel(camera, 2, 6), width, height)) <= 4 * pixels
