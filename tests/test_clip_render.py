"""Dreaming an existing clip end to end: timing and sound kept, dream detail riding the motion, no drift."""

from fractions import Fraction

import imageio_ffmpeg
import numpy as np
import pytest

from pipeline.ffmpeg import run
from pipeline.output.frames import read_png
from pipeline.output.manifest import read_manifest
from pipeline.render import render
from pipeline.run.plan import plan
from pipeline.sources.audio import audio_duration
from pipeline.sources.clip import probe_clip, read_clip

SPEED = 2  # pixels per frame the square slides right
CLIP = [
    "frames=auto",
    "motion=still",
    "layer_schedule=single",
    "layer_schedule.layer=conv2_1",
    "dream.octaves=1",
]


def _sliding_square(path, frames=12, width=64, height=48, fps="30000/1001", static=False):
    """A textured square sliding over a smooth background (or standing still), with a 440 Hz tone."""
    silent = path.with_suffix(".silent.mp4")
    writer = imageio_ffmpeg.write_frames(str(silent), (width, height), fps=30000 / 1001, macro_block_size=2,
                                         quality=None, output_params=["-crf", "10", "-r", fps])  # fmt: skip
    writer.send(None)
    rng = np.random.default_rng(0)
    texture = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
    background = np.broadcast_to(np.linspace(60, 140, width)[None, :, None], (height, width, 3))
    for index in range(frames):
        frame = background.astype(np.uint8).copy()
        left = 8 + (0 if static else SPEED * index)
        frame[16:32, left : left + 16] = texture
        writer.send(frame)
    writer.close()
    duration = f"{float(frames * Fraction(1001, 30000)):.6f}"
    run(["-i", str(silent), "-f", "lavfi", "-i", f"sine=frequency=440:duration={duration}", "-c:v", "copy",
         "-c:a", "aac", "-t", duration, str(path)], "add a tone")  # fmt: skip
    return path


@pytest.fixture(scope="module")
def sliding(tmp_path_factory):
    return _sliding_square(tmp_path_factory.mktemp("clip") / "slide.mp4")


def test_output_keeps_the_clips_frames_rate_duration_and_sound(sliding, tiny_config, tmp_path):
    source = probe_clip(sliding)
    cfg = tiny_config(f"input={sliding}", "frames=auto", "width=0", "height=0", *CLIP)
    resolved = plan(cfg)
    assert (resolved.width, resolved.height, resolved.frame_count) == (64, 48, 12)
    video = render(cfg, tmp_path)
    out = probe_clip(video)
    assert (out.frames, out.fps, out.width, out.height) == (source.frames, Fraction(30000, 1001), 64, 48)
    assert out.duration == pytest.approx(source.duration)
    assert out.has_audio and audio_duration(video) == pytest.approx(audio_duration(sliding), abs=0.04)


def _details(clip, tiny_config, out, mode):
    render(
        tiny_config(
            f"input={clip}", *CLIP, "dream=full", "dream.steps=1", "dream.lr=0.02", f"coherence.mode={mode}"
        ),
        out,
    )
    sources = list(read_clip(clip, 64, 48))
    return [read_png(out / f"frames/{i:06d}.png") - sources[i] for i in range(12)]


def _agreement(details, shift):
    """How well the dream detail inside the square matches the previous frame's, moved by `shift` px."""
    scores = []
    for index in range(4, 12):
        left = 8 + SPEED * index
        now = details[index][18:30, left + 2 : left + 14]
        before = details[index - 1][18:30, left + 2 - shift : left + 14 - shift]
        scores.append(np.corrcoef(now.ravel(), before.ravel())[0, 1])
    return np.mean(scores)


def test_flow_carries_the_dream_detail_along_with_the_square(sliding, tiny_config, tmp_path):
    flow = _details(sliding, tiny_config, tmp_path / "flow", "flow")
    alone = _details(sliding, tiny_config, tmp_path / "none", "none")
    assert max(range(-2, 6), key=lambda shift: _agreement(flow, shift)) == SPEED  # it moved with the square
    assert _agreement(flow, SPEED) > 0.98 > _agreement(alone, SPEED)  # carried, not re-dreamed alike
    magnitude = [np.mean([np.abs(d[16:32]).mean() for d in details[4:]]) for details in (flow, alone)]
    assert magnitude[0] > 2 * magnitude[1]  # the detail builds up from frame to frame instead of restarting
    masked = [record["coherence"]["masked"] for record in read_manifest(tmp_path / "flow")[1:]]
    assert 0 < np.mean(masked) < 0.5  # the strip the square uncovers each frame is dreamed fresh


def test_a_long_static_clip_does_not_drift_brighter(tmp_path, tiny_config):
    clip = _sliding_square(tmp_path / "static.mp4", frames=100, static=True)
    cfg = tiny_config(
        f"input={clip}", *CLIP, "dream.steps=1", "video.preset=ultrafast", "contact_sheet=false"
    )
    render(cfg, tmp_path / "run")
    first, last = (read_png(tmp_path / f"run/frames/{i:06d}.png").mean() for i in (0, 99))
    assert last == pytest.approx(first, rel=0.05)


def test_a_clip_render_resumes_bit_identically(sliding, tiny_config, tmp_path):
    settings = [f"input={sliding}", *CLIP, "dream.steps=1"]
    render(tiny_config(*settings), tmp_path / "whole")
    render(tiny_config(*settings, "frames=5"), tmp_path / "part")  # as if stopped after frame 5
    render(tiny_config(*settings, f"resume={tmp_path / 'part'}"), tmp_path / "part")
    for index in range(12):
        name = f"frames/{index:06d}.png"
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "part" / name).read_bytes(), name
    assert probe_clip(tmp_path / "part/dream.mp4").frames == 12


@pytest.mark.slow
def test_a_clip_run_re_encoded_keeps_its_rate_frames_and_sound(sliding, tmp_path):
    """The record says fps=24 and audio=null (the settings); plan.json says what the render used."""
    import subprocess
    import sys

    from tests.test_cli import ROOT, TINY, run_cli

    run_dir = tmp_path / "run"
    result = run_cli(
        *TINY, f"input={sliding}", *CLIP, "dream.steps=1", "width=0", "height=0", f"hydra.run.dir={run_dir}"
    )
    assert result.returncode == 0, result.stderr
    (run_dir / "dream.mp4").unlink()
    encoded = subprocess.run([sys.executable, "-m", "pipeline.encode", f"run_dir={run_dir}"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert encoded.returncode == 0, encoded.stderr
    out = probe_clip(run_dir / "dream.mp4")
    assert (out.frames, out.fps, out.has_audio) == (12, Fraction(30000, 1001), True)
    assert audio_duration(run_dir / "dream.mp4") == pytest.approx(audio_duration(sliding), abs=0.04)


def test_the_default_colour_coherence_keeps_a_zoom_in_frame_0s_colours_and_leaves_a_clip_alone(
    sliding, tiny_config, tmp_path
):
    """colour=default (match=auto): a zoom render matches its dreams to frame 0 in LAB, 0.75 of the way
    (its reference is saved for a resume and every dreamed frame records the strength); a clip's frames
    each start from the clip, so nothing is matched there and no reference is kept."""
    import json

    zoom, clip = tmp_path / "zoom", tmp_path / "clip"
    render(tiny_config("frames=3", "cadence=1"), zoom)
    records = [json.loads(line) for line in (zoom / "frames.jsonl").read_text().splitlines()]
    assert [record.get("colour_strength") for record in records] == [0.75, 0.75, 0.75]
    assert (zoom / "state" / "colour_reference.npy").is_file()
    render(tiny_config(f"input={sliding}", "frames=3", "width=0", "height=0", *CLIP), clip)
    records = [json.loads(line) for line in (clip / "frames.jsonl").read_text().splitlines()]
    assert all("colour_strength" not in record for record in records)
    assert not (clip / "state" / "colour_reference.npy").exists()
