"""The render loop in-process, on the real config with a seeded random VGG19."""

import json

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.output.frames import read_png
from pipeline.output.video import probe
from pipeline.render import render
from pipeline.run.plan import plan


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
    with pytest.raises(UserError, match="already holds a render"):
        render(cfg, tmp_path)
    assert (tmp_path / "frames/000000.png").read_bytes() == before


def test_pyramid_too_small_fails_before_anything_is_written(tiny_config, tmp_path):
    cfg = tiny_config("dream.octaves=4", "width=32", "height=24", "layer_schedule=deep")
    with pytest.raises(UserError, match="dream.octaves"):
        render(cfg, tmp_path)
    assert not (tmp_path / "frames").exists()


def test_manifest_preview_and_contact_sheet_hold_what_they_claim(tiny_config, tmp_path):
    import cv2

    from pipeline.output.manifest import read_manifest

    cfg = tiny_config("frames=4", "preview_every=2", "layer_schedule=deep", "cadence=1")
    render(cfg, tmp_path)
    records = read_manifest(tmp_path)
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    assert records[1]["time"] == pytest.approx(1 / 24, abs=1e-6)
    assert records[0]["layers"] == {"conv3_1": 1.0}
    assert records[0]["motion"]["zoom"] == pytest.approx(1.25)
    for record in records:
        assert record["objective_end"] > record["objective_start"] > 0  # the dream rose within the frame
        assert record["dream_seconds"] > 0 and record["write_seconds"] > 0
    preview = cv2.imread(str(tmp_path / "preview.jpg")).astype(float)
    assert preview.shape == (48, 64, 3)  # frame 2 (the last multiple of preview_every)
    distance = {
        i: abs(preview - cv2.imread(str(tmp_path / f"frames/{i:06d}.png")).astype(float)).mean()
        for i in range(4)
    }
    assert min(distance, key=distance.get) == 2  # JPEG-blurred, but clearly frame 2
    sheet = cv2.imread(str(tmp_path / "contact_sheet.jpg"))
    assert sheet.shape[1] == 4 * 320  # four frames, one row


def test_frames_auto_follows_the_audio_track(tiny_config, tmp_path):
    import wave

    import numpy as np

    track = tmp_path / "tone.wav"
    with wave.open(str(track), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(8000)
        t = np.arange(int(8000 * 0.2)) / 8000  # 0.2 s: 4.8 frames at 24 fps -> 5
        file.writeframes((np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2").tobytes())
    cfg = tiny_config("frames=auto", f"audio={track}")
    assert plan(cfg).frame_count == 5
    from pipeline.sources.audio import audio_duration

    video = render(cfg, tmp_path / "run")
    assert probe(video)["frames"] == 5
    assert audio_duration(video) == pytest.approx(5 / 24, abs=1 / 24)  # sound ends with the picture


def test_frames_auto_without_clip_or_audio_is_120(tiny_config):
    assert plan(tiny_config("frames=auto")).frame_count == 120
    with pytest.raises(UserError, match="frames"):
        tiny_config("frames=many")


def test_each_frame_is_dreamed_from_the_camera_warped_dream_before_it(tiny_config, tmp_path, monkeypatch):
    """The feedback loop itself: the input of frame N+1 is exactly Camera.warp(dream N, t_N)."""
    from pipeline.run.renderer import Renderer

    seen = []
    original = Renderer.dream

    def recording(self, frame, index):
        dreamed = original(self, frame, index)
        seen.append((index, frame.copy(), self.colour(dreamed.image, index), self.camera))
        return dreamed

    monkeypatch.setattr(Renderer, "dream", recording)
    # a keyframed zoom and a turn: every frame's warp differs, so a warp at the wrong time shows
    # colour=none: the match keeps state (its first frame becomes the reference), so calling it here too
    # would not give the loop's frame
    cfg = tiny_config(
        "frames=3", "motion.zoom='0:(1.1), 1:(2.0)'", "motion.angle=20", "cadence=1", "colour=none"
    )
    render(cfg, tmp_path)
    assert [index for index, *_ in seen] == [0, 1, 2]
    for (index, _, dreamed, camera), (_, next_input, _, _) in zip(seen, seen[1:]):
        assert np.array_equal(next_input, camera.warp(dreamed, index / cfg.fps))
        assert not np.allclose(next_input, dreamed, atol=0.01)  # the camera really moved it
    written = read_png(tmp_path / "frames/000001.png")
    assert np.abs(written - seen[1][2]).max() <= 0.5 / 255 + 1e-6  # the dream is what was written


@pytest.mark.parametrize("preset", ["default", "full"])
def test_light_frame_defaults_apply_only_after_frame_0(tiny_config, tmp_path, preset):
    cfg = tiny_config(f"dream={preset}", "frames=3", "dream.octaves=3", "dream.steps=10", "cadence=1",
                      "layer_schedule=single", "layer_schedule.layer=conv2_1")  # fmt: skip
    render(cfg, tmp_path)
    records = [json.loads(line) for line in (tmp_path / "frames.jsonl").read_text().splitlines()]
    used = [(r["octaves"], r["steps"], r["lr"]) for r in records]
    assert used[0] == (3, 10, 0.09)  # frame 0: the full dream
    if preset == "full":
        assert used[1:] == [used[0]] * 2
    else:  # later frames: the preset's light frames, lighter than frame 0
        light = (cfg.dream.frame_octaves, int(cfg.dream.frame_steps), float(cfg.dream.frame_lr))
        assert used[1:] == [light] * 2 and light[0] < 3 and light[1] < 10


def test_cadence_must_be_auto_or_positive(tiny_config):
    for bad in ("0", "-2", "2.5", "often"):
        with pytest.raises(UserError, match="cadence must be auto or a whole number"):
            tiny_config(f"cadence={bad}")


def test_the_default_dreams_every_6th_zoom_frame_and_every_clip_frame_and_full_dreams_every_frame(
    tiny_config,
):
    cfg = tiny_config()
    assert cfg.cadence == "auto" and cfg.cadence_for(clip=False) == 6 and cfg.cadence_for(clip=True) == 1
    full = tiny_config("dream=full")
    assert full.cadence_for(clip=False) == 1 and full.dream.frame_octaves is None
    assert tiny_config("dream=full", "cadence=3").cadence_for(clip=False) == 3  # the command line wins


def test_the_default_cadence_in_a_render(tiny_config, tmp_path):
    render(tiny_config("frames=8", "layer_schedule=single", "layer_schedule.layer=conv2_1"), tmp_path)
    records = [json.loads(line) for line in (tmp_path / "frames.jsonl").read_text().splitlines()]
    assert [r["dreamed"] for r in records] == [True] + [False] * 5 + [True, True]  # 0, 6 and the last
