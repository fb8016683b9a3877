"""Issue 15 through the real CLI: resume stays bit-identical with colour, guide and channels on; bad paths
and channels are one line, exit 2; the channel stills grid."""

import signal
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.run.test_resume import _assert_same_frames, _wait_for_frames
from tests.test_cli import ROOT, TINY, _assert_one_line_error, run_cli
from tests.test_dream import TINY as STILLS_TINY
from tests.test_dream import run_stills

pytestmark = pytest.mark.slow
STAGES = "layer_schedule.stages=[{at:0,layers:{conv3_1:{weight:1.0,channels:[1,2,3]}}}]"


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    path = tmp_path_factory.mktemp("guide") / "guide.png"
    y, x = np.mgrid[0:40, 0:40]
    cv2.imwrite(str(path), np.dstack([x * 6, y * 6, (x + y) * 3]).astype(np.uint8))
    return path


def _settings(guide):
    return [*TINY, "frames=5", "seed=4", "colour=first_lab", f"dream.guide={guide}", "dream.guide_weight=0.5",
            "layer_schedule=deep", STAGES]  # fmt: skip


def test_resume_is_bit_identical_with_colour_guide_and_channels_on(tmp_path, guide):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    result = run_cli(*_settings(guide), f"hydra.run.dir={whole}")
    assert result.returncode == 0, result.stderr
    command = [sys.executable, "-m", "pipeline.render", *_settings(guide), f"hydra.run.dir={cut}"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _wait_for_frames(cut, 2, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (cut / "state" / "colour_reference.npy").is_file()
    result = run_cli(f"resume={cut}")
    assert result.returncode == 0, result.stderr
    _assert_same_frames(whole, cut, 5)


def test_missing_guide_or_reference_is_one_line_before_any_frame(tmp_path):
    for setting in ("dream.guide", "colour.reference"):
        extra = ["colour.match=image"] if setting == "colour.reference" else []
        run_dir = tmp_path / setting
        result = run_cli(*TINY, *extra, f"{setting}={tmp_path / 'nope.png'}", f"hydra.run.dir={run_dir}")
        _assert_one_line_error(result, "nope.png")
        assert result.returncode == 2
        assert not list((run_dir / "frames").glob("*.png"))


def test_channel_outside_the_layer_is_one_line(tmp_path):
    stages = "layer_schedule.stages=[{at:0,layers:{conv3_1:{weight:1.0,channels:[300]}}}]"
    result = run_cli(*TINY, "layer_schedule=deep", stages, f"hydra.run.dir={tmp_path}")
    _assert_one_line_error(result, "conv3_1", "0..255", "300")
    assert result.returncode == 2


def test_channel_stills_make_one_labelled_tile_per_channel(tmp_path):
    result = run_stills(*STILLS_TINY, "layers=conv2_1", "channels=0-4", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    stills = [cv2.imread(str(tmp_path / f"conv2_1_c{c}.png")) for c in range(5)]
    assert all(s is not None and s.shape == (48, 64, 3) for s in stills)
    assert np.abs(stills[0].astype(float) - stills[1]).mean() > 0.5  # each channel dreams its own picture
    grid = cv2.imread(str(tmp_path / "grid.jpg"))
    assert grid.shape == (2 * (240 + 24), 4 * 320, 3)  # input + 5 channel tiles: two rows of four
    log = (tmp_path / "stills.log").read_text()
    assert all(f"conv2_1_c{c}: objective" in log for c in range(5))
    bad = run_stills(*STILLS_TINY, "layers=conv2_1", "channels=[3,128]", f"hydra.run.dir={tmp_path / 'bad'}")
    _assert_one_line_error(bad, "conv2_1", "0..127", "128")


def test_stills_dream_towards_dream_guide_and_a_missing_guide_is_one_line(tmp_path, guide):
    """Stills use `dream.*` as a video's first frame does, the guide included: the guided still differs
    from the plain one and is closer to the guide's features (its log says how close); a missing guide
    file is one line, exit 2, before anything is written."""
    plain, guided = tmp_path / "plain", tmp_path / "guided"
    for run_dir, extra in ((plain, []), (guided, [f"dream.guide={guide}", "dream.guide_weight=1.0"])):
        result = run_stills(*STILLS_TINY, "layers=conv2_1", *extra, f"hydra.run.dir={run_dir}")
        assert result.returncode == 0, result.stderr
    from pipeline.output.frames import read_png

    assert np.abs(read_png(plain / "conv2_1.png") - read_png(guided / "conv2_1.png")).mean() > 1e-3
    assert "similarity to the guide" in (guided / "stills.log").read_text()
    assert "similarity to the guide" not in (plain / "stills.log").read_text()
    missing = tmp_path / "missing"
    result = run_stills(*STILLS_TINY, f"dream.guide={tmp_path / 'nope.png'}", f"hydra.run.dir={missing}")
    _assert_one_line_error(result, "nope.png")
    assert result.returncode == 2 and not list(missing.glob("*.png"))


def test_a_guide_changed_between_a_kill_and_its_resume_leaves_the_video_as_it_was(tmp_path, guide):
    """The guide is pinned in state/ (like the colour reference): overwriting the guide file after the
    kill does not change the frames the resume dreams."""
    changing = tmp_path / "changing.png"
    changing.write_bytes(guide.read_bytes())
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert run_cli(*_settings(changing), f"hydra.run.dir={whole}").returncode == 0
    command = [sys.executable, "-m", "pipeline.render", *_settings(changing), f"hydra.run.dir={cut}"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_frames(cut, 2, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    cv2.imwrite(str(changing), np.full((40, 40, 3), 255, np.uint8))  # another guide, same path
    result = run_cli(f"resume={cut}")
    assert result.returncode == 0, result.stderr
    _assert_same_frames(whole, cut, 5)
