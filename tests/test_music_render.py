"""End to end through the CLI: a render that moves with a synthetic click track (120 BPM, first click at
0.3 s, so at 8 fps the clicks sound during frames 2, 6, 10 and 14)."""

import json
import signal
import subprocess
import sys

import cv2
import numpy as np
import pytest

from pipeline.output.manifest import read_manifest
from pipeline.output.video import probe
from tests.output.test_video import ffmpeg_info
from tests.run.test_resume import _assert_same_frames, _wait_for_frames
from tests.sources.test_music import click_track
from tests.test_cli import ROOT, _assert_one_line_error, run_cli

pytestmark = pytest.mark.slow
pytest.importorskip("librosa")
CLICK_FRAMES = [2, 6, 10, 14]  # floor(click time * 8)
SETTINGS = [
    "model.weights=random",
    "width=64",
    "height=48",
    "fps=8",
    "frames=16",
    "seed=1",
    "dream.octaves=1",
    "dream.steps=1",
    "dream=full",  # every frame dreamed, and barely (next two): what moves the picture is the camera
    "dream.lr=0.0001",
    "video.preset=ultrafast",
    'motion.zoom="1 + 0.5*beat(t)"',
    "layer_schedule.unit=beats",  # conv1_1 until the third beat, then conv2_1
    "layer_schedule.stages=[{at:0,layers:{conv1_1:1.0}},{at:2,layers:{conv2_1:1.0}}]",
]


def photo(path):
    """Soft blobs: texture a scale estimate can lock onto, smooth enough to survive repeated warps."""
    y, x = np.mgrid[0:48, 0:64] / 8.0
    image = 0.5 + 0.25 * np.sin(x * 1.3 + np.cos(y)) * np.cos(y * 0.9 - np.sin(x * 0.7))
    cv2.imwrite(str(path), np.round(np.dstack([image, image[::-1], image[:, ::-1]]) * 255).astype(np.uint8))
    return path


@pytest.fixture(scope="module")
def music_inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    return click_track(folder / "clicks.wav", 120, 2.2)[0], photo(folder / "photo.png")


def _args(inputs, run_dir):
    track, image = inputs
    return [*SETTINGS, f"audio={track}", f"input={image}", f"hydra.run.dir={run_dir}"]


@pytest.fixture(scope="module")
def rendered(music_inputs, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("whole")
    result = run_cli(*_args(music_inputs, run_dir))
    assert result.returncode == 0, result.stderr
    return run_dir


def frame_zoom(before, after):
    """The centre zoom that best maps one frame onto the next (a search over scales)."""
    scales = np.linspace(0.99, 1.12, 131)
    centre = ((before.shape[1] - 1) / 2, (before.shape[0] - 1) / 2)
    inner = (slice(8, -8), slice(8, -8))  # away from the reflected border

    def error(scale):
        warped = cv2.warpAffine(before, cv2.getRotationMatrix2D(centre, 0, scale), before.shape[1::-1],
                                flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)  # fmt: skip
        return np.mean((warped[inner] - after[inner]) ** 2)

    return scales[np.argmin([error(s) for s in scales])]


def test_the_zoom_kicks_on_beat_frames_in_the_manifest_and_in_the_frames(rendered):
    records = read_manifest(rendered)
    zoom = np.array([r["motion"]["zoom"] for r in records])
    assert [i for i, r in enumerate(records) if r["music"]["beat"] == 1.0] == CLICK_FRAMES
    assert np.all(zoom[CLICK_FRAMES] == 1.5) and np.all(np.delete(zoom, CLICK_FRAMES) < 1.26)
    frames = [cv2.imread(str(rendered / "frames" / f"{i:06d}.png")).astype(np.float32) for i in range(16)]
    moved = np.array([frame_zoom(a, b) for a, b in zip(frames, frames[1:])])  # frame i -> i + 1
    on_beat, quiet = moved[CLICK_FRAMES], moved[[0, 4, 5, 8, 9, 12, 13]]  # quiet: >= 2 frames after
    assert on_beat.min() > 1.03 and quiet.max() < 1.02, moved  # 1.5 ** (1/8) = 1.052 on the beat


def test_a_beats_schedule_switches_layer_on_the_third_beat(rendered):
    records = read_manifest(rendered)
    layers = [list(r["layers"]) for r in records]
    positions = [r["music"]["beat_position"] for r in records]  # beats heard by each frame's end
    assert positions[CLICK_FRAMES[2] - 1] < 2 <= positions[CLICK_FRAMES[2]]
    assert layers[: CLICK_FRAMES[2]] == [["conv1_1"]] * CLICK_FRAMES[2]
    assert layers[CLICK_FRAMES[2] :] == [["conv2_1"]] * (16 - CLICK_FRAMES[2])


def test_the_video_has_sound_and_the_run_has_the_plot_and_the_analysis(rendered):
    assert probe(rendered / "dream.mp4")["frames"] == 16
    assert "Audio: aac (LC)" in ffmpeg_info(rendered / "dream.mp4")
    plot = cv2.imread(str(rendered / "audio_analysis.png"))
    assert plot is not None and plot.shape[0] > 400 and plot.std() > 10  # a picture, not a blank
    assert json.loads((rendered / "music.json").read_text())["tempo"] == pytest.approx(120, rel=0.02)


def test_sigkill_then_resume_is_byte_identical_with_the_first_analysis(music_inputs, rendered, tmp_path):
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "pipeline.render", *_args(music_inputs, run_dir)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _wait_for_frames(run_dir, 5, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    analysis = (run_dir / "music.json").read_bytes()
    track = music_inputs[0]
    original = track.read_bytes()
    try:  # the track changes under the run: its frames moved to the first one, so the resume refuses it
        click_track(track, 93, 2.2, first=0.1)
        refused = run_cli(f"resume={run_dir}")
    finally:
        track.write_bytes(original)
    _assert_one_line_error(refused, "resume: the soundtrack is not the one", "audio=")
    assert (run_dir / "music.json").read_bytes() == analysis
    result = run_cli(f"resume={run_dir}")  # the very track again: the very same numbers
    assert result.returncode == 0, result.stderr
    _assert_same_frames(rendered, run_dir, 16)
    assert (run_dir / "music.json").read_bytes() == analysis
    strip = ("dream_seconds", "write_seconds")
    same = [{k: v for k, v in r.items() if k not in strip} for r in read_manifest(run_dir)]
    assert same == [{k: v for k, v in r.items() if k not in strip} for r in read_manifest(rendered)]


def test_beat_without_audio_is_one_line_naming_the_setting(tmp_path):
    result = run_cli(*SETTINGS[:-2], f"hydra.run.dir={tmp_path}")
    _assert_one_line_error(result, "motion.zoom", "beat(t)", "audio=")
    assert result.returncode == 2 and not (tmp_path / "frames").exists()


def test_beat_on_a_photo_without_audio_is_one_line_before_any_frame(tmp_path, music_inputs):
    result = run_cli(*SETTINGS, f"input={music_inputs[1]}", f"hydra.run.dir={tmp_path}")
    _assert_one_line_error(result, "motion.zoom", "beat(t)", "audio=")
    assert result.returncode == 2 and not list(tmp_path.glob("frames/*.png"))


@pytest.mark.parametrize("frames", ["frames=auto", "frames=4"])
def test_an_audio_file_without_sound_is_one_line(tmp_path, music_inputs, frames):
    silent = tmp_path / "silent.mp4"
    subprocess.run([*_ffmpeg(), "-f", "lavfi", "-i", "color=c=red:s=32x32:d=1", str(silent)], check=True)
    result = run_cli(*SETTINGS, frames, f"audio={silent}", f"hydra.run.dir={tmp_path / 'run'}")
    _assert_one_line_error(result, "audio", "sound")
    assert result.returncode == 2


def _ffmpeg():
    import imageio_ffmpeg

    return [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
