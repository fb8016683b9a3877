"""The property, end to end under the defaults (dream=default: light dreamed frames every 6th frame, the
rest made between): every keyframable setting given a music function follows the analysed signal in the
manifest, on dreamed and in-between frames. Includes the README's 'dream.lr="0.04 + 0.1*loud(t)"' (the
dream swells with the music) and the pulse preset's zoom kick."""

import json

import numpy as np
import pytest

from pipeline.animation.curves import KEYS
from pipeline.animation.signals import LEVELS, MusicSignals
from pipeline.output.manifest import read_manifest
from tests.test_cli import _assert_one_line_error, run_cli
from tests.test_music_render import frame_zoom

pytestmark = pytest.mark.slow
pytest.importorskip("librosa")
BASE = [
    "model.weights=random",
    "precision=fp32",
    "width=64",
    "height=48",
    "fps=8",
    "frames=13",  # dreamed: 0, 6, 12; made between: the rest
    "dream.octaves=1",
    "video.preset=ultrafast",
    "layer_schedule=single",
    "layer_schedule.layer=conv1_1",
    "colour=first_hsv",
    "contact_sheet=false",
    "preview_every=0",
]
# key -> (expression, its value from the signals at t); every key of pipeline.animation.curves.KEYS
TABLE = {
    "dream.lr": ("0.04 + 0.1*loud(t)", lambda s, t: 0.04 + 0.1 * s.value("loud", t)),
    "dream.steps": ("1 + 3*onset(t)", lambda s, t: round(1 + 3 * s.value("onset", t))),
    "dream.frame_lr": ("0.2 + 0.1*high(t)", lambda s, t: 0.2 + 0.1 * s.value("high", t)),
    "dream.frame_steps": ("1 + 2*loud(t)", lambda s, t: round(1 + 2 * s.value("loud", t))),
    "motion.zoom": ("1.05 + 0.8*beat(t)", lambda s, t: 1.05 + 0.8 * s.value("beat", t)),
    "motion.angle": ("3*low(t)", lambda s, t: 3 * s.value("low", t)),
    "motion.shift_x": ("0.02*mid(t)", lambda s, t: 0.02 * s.value("mid", t)),
    "motion.shift_y": ("0.02*high(t)", lambda s, t: 0.02 * s.value("high", t)),
    "motion.focus_x": ("0.5 + 0.1*phase(t)", lambda s, t: 0.5 + 0.1 * s.value("phase", t)),
    "motion.focus_y": ("0.5 + 0.1*bar(t)", lambda s, t: 0.5 + 0.1 * s.value("bar", t)),
    "colour.strength": ("0.5 + 0.5*loud(t)", lambda s, t: 0.5 + 0.5 * s.value("loud", t)),
}
# Where the manifest shows a key, and on which frames: the dream's steps and lr on dreamed frames (the
# first frame reads dream.*, the later ones dream.frame_* when keyframed, else dream.*), the camera on all.
SHOWN = {"dream.lr": "lr", "dream.steps": "steps", "dream.frame_lr": "lr", "dream.frame_steps": "steps"}
SHOWN |= {key: key for key in KEYS if key.startswith("motion.")} | {"colour.strength": "colour_strength"}


def _render(tmp_path, track, keys):
    run_dir = tmp_path / "run"
    overrides = [f'{key}="{TABLE[key][0]}"' for key in keys]
    result = run_cli(*BASE, f"audio={track}", *overrides, f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    record = json.loads((run_dir / "music.json").read_text())
    levels = {name: np.asarray(record[name]) for name in LEVELS}
    signals = MusicSignals(8.0, levels, np.asarray(record["beats"]), record["tempo"])
    return read_manifest(run_dir), signals


def _shown(record, key):
    name = SHOWN[key]
    return record["motion"][name.partition(".")[2]] if name.startswith("motion.") else record.get(name)


def _reads(key, record, keys):
    """Whether a frame is dreamed with this dream.* key: frame 0 with dream.*, the later ones with
    dream.frame_* where that is keyframed too, else with dream.* (pipeline/animation/dream_config.py)."""
    first, light = record["index"] == 0, key.startswith("dream.frame_")
    if not record["dreamed"] or (light and first):
        return False
    return light or first or key.replace("dream.", "dream.frame_") not in keys


def _check(records, signals, keys):
    assert len(records) == 13 and [r["index"] for r in records if r["dreamed"]] == [0, 6, 12]
    for key in keys:
        for r in records:
            if key.startswith("dream.") and not _reads(key, r, keys):
                continue
            if key == "colour.strength" and not r["dreamed"]:
                continue  # the colour match pulls dreamed frames; the frames between blend them
            want = TABLE[key][1](signals, r["time"])
            assert _shown(r, key) == pytest.approx(want, abs=1e-5), (key, r["index"])
    for r in records:  # in-between frames too say what their settings read
        assert "music" in r and "loud" in r["music"], r


def test_the_table_covers_every_keyframable_key():
    assert set(TABLE) == set(KEYS)


def test_every_key_follows_the_soundtrack_on_dreamed_and_in_between_frames(tmp_path, click_wav):
    keys = [key for key in KEYS if not key.startswith("dream.frame_")]  # the README's kind of render
    records, signals = _render(tmp_path, click_wav, keys)
    _check(records, signals, keys)
    lrs = [r["lr"] for r in records if r["dreamed"]]
    assert lrs[0] == 0.04 and lrs[1] > 0.13  # the README's lr example: a light dream on a click swells
    zoom = [r["motion"]["zoom"] for r in records]
    kicks = [r["index"] for r in records if r["music"]["beat"] == 1.0]
    assert kicks == [2, 6, 10] and all(zoom[i] == pytest.approx(1.85) for i in kicks)


def test_keyframed_light_frame_settings_follow_the_soundtrack(tmp_path, click_wav):
    keys = ["dream.frame_lr", "dream.frame_steps", "colour.strength"]
    records, signals = _render(tmp_path, click_wav, keys)
    _check(records, signals, keys)


def test_the_pulse_kick_kicks_in_the_pictures_under_the_defaults(tmp_path, click_wav):
    """motion=pulse (README: a zoom kick on every beat) with light dreams and frames made between them."""
    import cv2

    from tests.test_music_render import photo

    image = photo(tmp_path / "photo.png")
    run_dir = tmp_path / "pulse"
    settings = [*BASE[:6], "video.preset=ultrafast", "dream.octaves=1", "dream.steps=1", "dream.lr=0.0001"]
    result = run_cli(*settings, "frames=16", "motion=pulse", "dream.frame_lr=0.0001", f"input={image}",
                     f"audio={click_wav}", f"hydra.run.dir={run_dir}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    frames = [cv2.imread(str(run_dir / "frames" / f"{i:06d}.png")).astype(np.float32) for i in range(16)]
    moved = np.array([frame_zoom(a, b) for a, b in zip(frames, frames[1:])])
    on_beat, quiet = moved[[2, 6, 10, 14]], moved[[0, 1, 5, 9, 13]]  # quiet: 3 frames after a beat
    assert on_beat.min() > 1.05 and quiet.max() < 1.02, moved  # 1.85 ** (1/8) = 1.080 on the beat


def test_colour_strength_out_of_range_later_is_refused_before_frame_0(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(*BASE, 'colour.strength="0:(0.5), 1:(2)"', f"hydra.run.dir={run_dir}")
    _assert_one_line_error(result, "colour.strength must be between 0 and 1", "t=")
    assert not list(run_dir.glob("frames/*.png")) and not (run_dir / "segments").exists()
