"""The render loop in-process, on the real config with a seeded random VGG19."""

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.image import read_png
from pipeline.render import render
from pipeline.video import probe


def test_render_writes_every_frame_and_a_matching_video(tiny_config, tmp_path):
    cfg = tiny_config("frames=3", "layer_schedule=deep")
    path = render(cfg, tmp_path)
    pngs = sorted((tmp_path / "frames").glob("*.png"))
    assert [p.name for p in pngs] == ["000000.png", "000001.png", "000002.png"]
    frames = [read_png(p) for p in pngs]
    assert all(f.shape == (48, 64, 3) for f in frames)
    assert not np.allclose(frames[0], frames[1])  # the camera moved and the dream went on
    info = probe(path)
    assert info["frames"] == 3 and tuple(info["size"]) == (64, 48)
    assert not list(tmp_path.glob("frames/.*partial"))


def test_same_settings_render_the_same_frames(tiny_config, tmp_path):
    cfg = tiny_config("frames=2")
    render(cfg, tmp_path / "a")
    render(cfg, tmp_path / "b")
    for name in ("000000.png", "000001.png"):
        assert np.array_equal(read_png(tmp_path / "a/frames" / name), read_png(tmp_path / "b/frames" / name))


def test_dreaming_changes_a_photo_but_keeps_its_structure(tiny_config, tmp_path):
    import cv2

    photo = np.zeros((96, 128, 3), np.uint8)
    photo[:, 64:] = 255  # left half black, right half white
    cv2.imwrite(str(tmp_path / "photo.png"), photo)
    cfg = tiny_config(
        f"input={tmp_path / 'photo.png'}", "frames=1", "layer_schedule=single", "layer_schedule.layer=conv2_1"
    )
    render(cfg, tmp_path / "run")
    frame = read_png(tmp_path / "run/frames/000000.png")
    assert frame[:, :24].mean() < frame[:, 40:].mean()  # still dark on the left, light on the right
    assert frame.std() > 0 and not np.allclose(frame[:, :24], 0.0)  # but dreamed over


def test_refuses_to_overwrite_a_finished_render(tiny_config, tmp_path):
    cfg = tiny_config("frames=1")
    render(cfg, tmp_path)
    before = (tmp_path / "frames/000000.png").read_bytes()
    with pytest.raises(UserError, match="already holds frames"):
        render(cfg, tmp_path)
    assert (tmp_path / "frames/000000.png").read_bytes() == before


def test_pyramid_too_small_fails_before_anything_is_written(tiny_config, tmp_path):
    cfg = tiny_config("dream.octaves=4", "width=32", "height=24", "layer_schedule=deep")
    with pytest.raises(UserError, match="dream.octaves"):
        render(cfg, tmp_path)
    assert not (tmp_path / "frames").exists()
