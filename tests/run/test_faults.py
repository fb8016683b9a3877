"""Real faults become one line (a UserError, exit 2 through the CLI) with nothing already written lost,
and no `.partial` file left behind."""

from __future__ import annotations

import errno
import json
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.animation.dream_config import DreamConfig
from pipeline.dreamer.pyramid import check_pyramid
from pipeline.errors import UserError
from pipeline.ffmpeg import command
from pipeline.output.checkpoint import load_checkpoint
from pipeline.output.manifest import read_manifest
from pipeline.output.video import probe
from pipeline.render import render
from pipeline.sources.clip import probe_clip
from pipeline.sources.image import BACKGROUND, load_image
from tests.conftest import compose_config


def one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


def no_partials(run_dir: Path) -> bool:
    return not [p for p in run_dir.rglob("*") if ".partial" in p.name]


@pytest.fixture
def cut_clip(tmp_path) -> Path:
    """A 12-frame clip cut off at 60% of its bytes: its index promises more frames than decode."""
    whole = tmp_path / "whole.mp4"
    args = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=24", "-frames:v", "12", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(whole)]  # fmt: skip
    subprocess.run(command(*args), check=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    return cut


def test_a_clip_cut_short_encodes_what_was_dreamed_then_says_so(tmp_path, cut_clip):
    cfg = compose_config(f"input={cut_clip}", "frames=auto", "motion=still", "coherence.mode=none")
    run_dir = tmp_path / "run"
    with pytest.raises(UserError) as error:
        render(cfg, run_dir)
    done = len(list((run_dir / "frames").glob("*.png")))
    assert 0 < done < probe_clip(cut_clip).frames
    assert f"gave no frame {done}" in one_line(error) and "cut short" in str(error.value)
    assert probe(run_dir / "dream.mp4")["frames"] == done  # what was dreamed is a playable video
    assert no_partials(run_dir)


def test_a_full_disk_mid_render_is_one_line_and_keeps_the_frames_before(tmp_path, monkeypatch):
    """ENOSPC injected into the fsync of the third frame's PNG (the atomic writer's temporary file, or the
    frame itself when it is synced before the checkpoint that points past it), as a full disk does it."""
    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").endswith((".000002.png.partial", "/000002.png")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    run_dir = tmp_path / "run"
    with pytest.raises(UserError) as error:
        render(compose_config("frames=4", "cadence=1"), run_dir)  # a checkpoint after every frame
    assert "No space left on device" in one_line(error) and "resume=" in str(error.value)
    written = sorted(p.name for p in (run_dir / "frames").iterdir())
    assert written[:2] == ["000000.png", "000001.png"]  # the frames before it are kept
    # the checkpoint never points past the frame that could not be made durable: a resume redoes it
    assert load_checkpoint(run_dir).next_index == 2
    assert [record["index"] for record in read_manifest(run_dir)][:2] == [0, 1]
    assert no_partials(run_dir)


def test_a_full_disk_at_the_contact_sheet_leaves_the_whole_video_and_a_page_that_says_done(
    tmp_path, monkeypatch, caplog
):
    """The MP4 is whole when the contact sheet is written: ENOSPC there is a warning, not a failed render
    (it raised, and index.html was left saying "rendering")."""
    real_fsync = os.fsync

    def fsync(fd):
        if "contact_sheet" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    run_dir = tmp_path / "run"
    video = render(compose_config("frames=2", "cadence=1"), run_dir)
    assert video.is_file() and not (run_dir / "contact_sheet.jpg").exists()
    assert any("no contact sheet" in record.getMessage() for record in caplog.records)
    assert 'class="status finished"' in (run_dir / "index.html").read_text()
    assert no_partials(run_dir)


@pytest.fixture(scope="module")
def one_frame_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("one")
    render(compose_config("frames=1", "preview_every=0", "contact_sheet=false"), run_dir)
    return run_dir


@pytest.mark.parametrize(
    "next_json, frame",
    [
        ({"next_index": "1", "frame": "frame_000001.npy"}, None),  # a string where a count belongs
        ({"next_index": -4, "frame": "frame_000001.npy"}, None),
        ({"next_index": 1, "frame": "../../etc/passwd"}, None),
        ([1, 2], None),  # valid JSON, not an object
        (None, np.zeros((48, 64), np.float32)),  # a grey image where RGB belongs
        (None, np.zeros((48, 64, 3), np.int64)),
        (None, np.full((48, 64, 3), np.nan, np.float32)),
    ],
)
def test_resume_state_that_parses_but_is_wrong_is_one_line(tmp_path, one_frame_run, next_json, frame):
    run_dir = tmp_path / "run"
    (run_dir / "state").mkdir(parents=True)
    default = {"next_index": 1, "frame": "frame_000001.npy"}
    (run_dir / "state/next.json").write_text(json.dumps(default if next_json is None else next_json))
    np.save(run_dir / "state/frame_000001.npy", np.zeros((48, 64, 3), np.float32) if frame is None else frame)
    with pytest.raises(UserError) as error:
        load_checkpoint(run_dir)
    assert "saved state" in one_line(error)


def test_resume_of_a_state_of_another_size_is_refused_before_touching_anything(tmp_path, one_frame_run):
    import shutil

    run_dir = tmp_path / "run"
    shutil.copytree(one_frame_run, run_dir)
    np.save(run_dir / "state/frame_000001.npy", np.zeros((40, 64, 3), np.float32))
    before = (run_dir / "frames/000000.png").read_bytes()
    cfg = compose_config("frames=2", "preview_every=0", f"resume={run_dir}")
    with pytest.raises(UserError) as error:
        render(cfg, run_dir)
    assert "64x40" in one_line(error)
    assert (run_dir / "frames/000000.png").read_bytes() == before
    assert not (run_dir / "frames/000001.png").exists()


@pytest.mark.parametrize("seed", [-1, 2**63])
def test_seeds_outside_what_the_generators_take_are_refused_when_composing(seed):
    with pytest.raises(UserError, match="seed must be"):
        compose_config(f"seed={seed}")
    compose_config(f"seed={2**63 - 1}")  # the largest allowed


def test_a_frame_rate_that_rounds_to_zero_is_refused_when_composing():
    with pytest.raises(UserError, match="fps must be"):
        compose_config("fps=0.001")


def test_the_pyramid_check_counts_the_smoothing_blur():
    """conv1_1 needs 1 px, but the 9-tap blur pads 4 px by reflection: 4 px levels crash torch."""
    with pytest.raises(UserError, match="5 px"):
        check_pyramid(6, 64, 2, 1.4, "conv1_1")  # the small level is 4 px high
    check_pyramid(8, 64, 2, 1.4, "conv1_1")  # 6 px: fits


@pytest.mark.parametrize(
    "override, message",
    [
        ('dream.lr="0.09-t"', "dream.lr"),  # fine at t=0, negative from frame 3
        ('dream.steps="1+t*1e9"', "dream.steps"),  # would hang: a billion steps
        ('motion.zoom="1-t"', "motion.zoom"),  # reaches 0 at one second
    ],
)
def test_keyframes_are_checked_over_the_whole_video_before_the_first_frame(tmp_path, override, message):
    run_dir = tmp_path / "run"
    with pytest.raises(UserError, match=message):
        render(compose_config("frames=30", "dream=full", override), run_dir)  # every frame reads dream.*
    assert not list((run_dir / "frames").glob("*.png"))


def test_steps_have_an_upper_bound():
    with pytest.raises(UserError, match="1..1000"):
        DreamConfig(steps="5000")


def test_transparent_pixels_are_composited_over_the_documented_background(tmp_path):
    bgra = np.zeros((8, 8, 4), np.uint8)
    bgra[..., 2] = 255  # pure red everywhere ...
    bgra[:, :4, 3] = 255  # ... opaque on the left, fully transparent on the right
    cv2.imwrite(str(tmp_path / "rgba.png"), bgra)
    image = load_image(tmp_path / "rgba.png", 8, 8)
    assert np.allclose(image[:, :3], [1.0, 0.0, 0.0])
    assert np.allclose(image[:, 5:], BACKGROUND)  # not the red hiding under alpha 0
    grey16 = np.full((8, 8), 65535, np.uint16)
    cv2.imwrite(str(tmp_path / "grey16.png"), grey16)
    assert np.allclose(load_image(tmp_path / "grey16.png", 8, 8), 1.0)
