"""Every render example in README.md, run through the real CLI (tiny frames, random weights), with the
effect the README says it has asserted. tests/test_docs_commands.py composes every command of every page;
this runs the README's, so an example that composes but does something else fails here.

Each example runs as written with three kinds of words added: the tiny settings first (so the example's
own settings win), its placeholders replaced by real files (photo.jpg, clip.mp4, song.mp3 -> a click
track), and caps on length and size after it where the example asks for minutes of CPU (frames=1440,
1280x720): those caps are named in the table, and what the capped setting does is asserted another way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from omegaconf import OmegaConf

from pipeline.output.manifest import read_manifest
from pipeline.output.video import probe
from pipeline.sources.clip import probe_clip
from tests.docs import ROOT, commands_in
from tests.test_cli import TINY

pytestmark = pytest.mark.slow
pytest.importorskip("librosa")  # the music example
RESUME = "resume=outputs/2026-11-24/10-00-00"  # tests/run/test_resume.py runs it
EXAMPLES = {
    c.text.partition("pipeline.render ")[2]: c
    for c in commands_in(ROOT / "README.md")
    if c.module == "render"
}
SMALL = [word for word in TINY if not word.startswith("video.preset")]  # the encoder examples set theirs


def _records(run: Path) -> list[dict]:
    return read_manifest(run)


def _config(run: Path):
    return OmegaConf.load(run / ".hydra/config.yaml")


def _dreamed(run: Path) -> list[int]:
    return [r["index"] for r in _records(run) if r["dreamed"]]


def _layout(frame: np.ndarray) -> np.ndarray:
    """Blurred luma: where things are, not their texture (the dream changes texture)."""
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return cv2.GaussianBlur(cv2.resize(grey, (64, 48), interpolation=cv2.INTER_AREA), (0, 0), 3).ravel()


def renders_a_zooming_video(run: Path, files: dict) -> None:
    """The install line's first render: noise, the deep dive, the zoom; a video of its frames."""
    assert probe(run / "dream.mp4")["frames"] == 4
    assert all(r["motion"]["zoom"] > 1 and r["motion"]["angle"] == 0 for r in _records(run))
    deep = OmegaConf.load(ROOT / "pipeline/conf/layer_schedule/deep.yaml")
    layers = lambda schedule: [dict(stage.layers) for stage in schedule.stages]  # noqa: E731
    assert layers(_config(run).layer_schedule) == layers(deep)


def dives_into_the_photo(run: Path, files: dict) -> None:
    first = cv2.imread(str(run / "frames/000000.png"))
    photo = cv2.resize(cv2.imread(str(files["photo.jpg"])), first.shape[1::-1])
    assert np.corrcoef(_layout(first), _layout(photo))[0, 1] > 0.9  # frame 0 is the photo, dreamed
    assert len(_records(run)) == 6


def dreams_every_clip_frame_keeping_its_sound(run: Path, files: dict) -> None:
    video = probe_clip(run / "dream.mp4")
    assert video.frames == 12 and _dreamed(run) == list(range(12))  # the clip's length, every frame
    assert video.has_audio


def runs_at_30_fps(run: Path, files: dict) -> None:
    plan = json.loads((run / "plan.json").read_text())
    assert plan["fps"] == 30 and _config(run).frames == "4"  # frames=300 capped to 4; the rate is 30


def turns_while_diving(run: Path, files: dict) -> None:
    motion = [r["motion"] for r in _records(run)]
    assert all(m["angle"] != 0 and m["zoom"] > 1 for m in motion)


def zoom_follows_its_keyframes(run: Path, files: dict) -> None:
    zooms = [r["motion"]["zoom"] for r in _records(run)]  # 0 s .. 1.5 s of "0:(1.0), 3:(1.4) | smooth"
    assert zooms[0] == pytest.approx(1.0) and all(b > a for a, b in zip(zooms, zooms[1:]))
    assert zooms[-1] < 1.4


def dives_from_textures_to_eyes_and_back(run: Path, files: dict) -> None:
    records = _records(run)  # 20 frames: 0, 0.55 and 0.95 of the way through
    first, middle, last = (max(records[i]["layers"], key=records[i]["layers"].get) for i in (0, 11, 19))
    assert (first, middle, last) == ("conv3_1", "conv5_2", "conv3_1")  # cycle: 3_1 .. 5_2 .. 3_1


def dreams_one_layer_all_the_way(run: Path, files: dict) -> None:
    assert all(r["layers"] == {"conv4_2": 1.0} for r in _records(run))


def dreams_stronger_over_the_video(run: Path, files: dict) -> None:
    records = {r["index"]: r for r in _records(run) if r["dreamed"]}
    assert records[0]["steps"] == 20  # the first frame: dream.steps=20
    lrs = [records[i]["lr"] for i in sorted(records)]  # every dreamed frame follows the lr keyframes
    assert lrs[0] == pytest.approx(0.06) and all(b > a for a, b in zip(lrs, lrs[1:]))


def dreams_every_frame(run: Path, files: dict) -> None:
    assert _dreamed(run) == list(range(7))


def dreams_every_third_frame(run: Path, files: dict) -> None:
    assert _dreamed(run) == [0, 3, 6]


def lets_the_colours_drift(run: Path, files: dict) -> None:
    assert all("colour_strength" not in r for r in _records(run))
    assert not (run / "state/colour_reference.npy").exists()


def keeps_frame_0s_colours_all_the_way(run: Path, files: dict) -> None:
    assert [r["colour_strength"] for r in _records(run) if r["dreamed"]] == [1.0, 1.0]
    assert _config(run).colour.space == "lab"


def moves_with_the_music(run: Path, files: dict) -> None:
    records = _records(run)
    assert len(records) == 32  # frames=auto: the 4 s song at fps=8
    beats = [r["music"]["beat"] for r in records]
    zooms = [r["motion"]["zoom"] for r in records]
    kicked = [z for z, b in zip(zooms, beats) if b > 0.9]
    assert kicked and min(kicked) > max(z for z, b in zip(zooms, beats) if b < 0.1)  # a kick on the beat
    assert probe_clip(run / "dream.mp4").has_audio


def encodes_a_draft(run: Path, files: dict) -> None:
    video = _config(run).video
    assert (video.preset, video.crf) == ("veryfast", 28) and probe(run / "dream.mp4")["frames"] == 4


def encodes_for_youtube_720p(run: Path, files: dict) -> None:
    preset = OmegaConf.load(ROOT / "pipeline/conf/video/youtube_720p.yaml")
    video = _config(run).video
    assert {key: video[key] for key in preset} == dict(preset) and probe(run / "dream.mp4")["frames"] == 2


def renders_one_video_per_combination(sweep: Path, files: dict) -> None:
    jobs = sorted(sweep.glob("*/dream.mp4"))
    assert len(jobs) == 4 and (sweep / "index.html").is_file()


# the README's command (after `python -m pipeline.render`) -> (words after it: caps on what would take
# minutes, the rate), its effect
CHECKS = {
    "layer_schedule=deep motion=zoom width=320 height=180 frames=48": (
        ["frames=4", "width=64", "height=48"],
        renders_a_zooming_video,
    ),
    "input=photo.jpg": (["frames=6"], dives_into_the_photo),
    "input=clip.mp4 motion=still": (["width=0", "height=0"], dreams_every_clip_frame_keeping_its_sound),
    "input=photo.jpg frames=300 fps=30 width=1280 height=720": (
        ["frames=4", "width=64", "height=48"],
        runs_at_30_fps,
    ),
    "motion=spiral": (["frames=4"], turns_while_diving),
    "'motion.zoom=\"0:(1.0), 3:(1.4), 8:(1.1) | smooth\"'": (
        ["frames=7", "fps=4"],
        zoom_follows_its_keyframes,
    ),
    "layer_schedule=cycle": (["frames=20"], dives_from_textures_to_eyes_and_back),
    "layer_schedule=single layer_schedule.layer=conv4_2": (["frames=3"], dreams_one_layer_all_the_way),
    "dream.steps=20 'dream.lr=\"0:(0.06), 6:(0.12)\"'": (
        ["frames=13", "fps=2"],
        dreams_stronger_over_the_video,
    ),
    "dream=full": (["frames=7"], dreams_every_frame),
    "cadence=3": (["frames=7"], dreams_every_third_frame),
    "input=photo.jpg colour=none frames=1440": (["frames=4"], lets_the_colours_drift),
    "input=photo.jpg colour=first_lab frames=1440": (["frames=7"], keeps_frame_0s_colours_all_the_way),
    "input=photo.jpg audio=song.mp3 motion=pulse layer_schedule=bars": (
        ["fps=8", "dream.octaves=1", "dream.steps=1"],
        moves_with_the_music,
    ),
    "width=256 height=144 frames=24 dream.steps=5 video=draft": (
        ["frames=4", "width=64", "height=48", "dream.steps=2"],
        encodes_a_draft,
    ),
    "width=1280 height=720 video=youtube_720p": (
        ["frames=2", "width=64", "height=48"],
        encodes_for_youtube_720p,
    ),
    "-m layer_schedule=deep,cycle motion=zoom,spiral frames=96": (
        ["frames=2"],
        renders_one_video_per_combination,
    ),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory, click_wav) -> dict:
    """The README's placeholders, as real files."""
    from tests.test_clip_render import _sliding_square

    folder = tmp_path_factory.mktemp("readme")
    y, x = np.mgrid[0:120, 0:160]
    photo = np.dstack([x * 1.5, y * 2.0, 255 - x]).astype(np.uint8)
    cv2.circle(photo, (60, 60), 30, (255, 255, 255), -1)  # something for the layout to keep
    cv2.imwrite(str(folder / "photo.jpg"), photo)
    return {
        "photo.jpg": folder / "photo.jpg",
        "clip.mp4": _sliding_square(folder / "clip.mp4"),
        "song.mp3": click_wav,
    }


def test_every_render_example_in_the_readme_has_its_effect_checked_here():
    assert set(EXAMPLES) == {*CHECKS, RESUME}


@pytest.mark.parametrize("text", sorted(CHECKS))
def test_the_readme_example_does_what_the_readme_says(text, files, tmp_path):
    caps, check = CHECKS[text]
    args = list(EXAMPLES[text].args)
    for name, path in files.items():
        args = [arg.replace(name, str(path)) for arg in args]
    sweep = "-m" in args
    where = f"hydra.sweep.dir={tmp_path / 'sweep'}" if sweep else f"hydra.run.dir={tmp_path / 'run'}"
    if sweep:
        args.remove("-m")
    command = [
        sys.executable,
        "-m",
        "pipeline.render",
        *(["-m"] if sweep else []),
        *SMALL,
        *args,
        *caps,
        where,
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    check(tmp_path / ("sweep" if sweep else "run"), files)
