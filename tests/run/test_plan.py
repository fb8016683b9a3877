"""The plan: `auto`/0 settings resolved against the input once, recorded, and read back exactly."""

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

import pipeline.run.plan as plan_module
from pipeline.errors import UserError
from pipeline.run.plan import Plan, plan, plan_run, read_plan, write_plan
from pipeline.sources.clip import ClipInfo
from tests.sources.test_audio import noise_wav

OLD_RUN = Path(__file__).resolve().parents[1] / "data" / "old_layout_run"
CLIP = ClipInfo(width=101, height=57, fps=Fraction(30000, 1001), frames=12, duration=0.4004, has_audio=True)


@pytest.fixture
def clip(tmp_path, monkeypatch):
    """A clip file whose probe is recorded, so the plan's own logic is what is tested."""
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"")
    probes = []
    monkeypatch.setattr(plan_module, "probe_clip", lambda p: probes.append(p) or CLIP)
    return path, probes


def test_without_input_the_settings_and_defaults_apply(tiny_config):
    assert plan(tiny_config("width=0", "height=0", "frames=auto", "fps=30")) == Plan(
        640, 360, 30.0, 120, None, None
    )
    assert plan(tiny_config("frames=7")) == Plan(64, 48, 24.0, 7, None, None)


def test_a_clip_gives_its_even_size_exact_rate_length_and_sound(tiny_config, clip):
    path, probes = clip
    resolved = plan(tiny_config(f"input={path}", "width=0", "height=0", "frames=auto", "fps=60"))
    assert (resolved.width, resolved.height, resolved.frame_count) == (100, 56, 12)
    assert Fraction(resolved.fps).limit_denominator(1001) == Fraction(30000, 1001)
    assert resolved.audio_source == str(path) and probes == [path]
    assert plan(tiny_config(f"input={path}", "audio=none")).audio_source is None
    with pytest.raises(UserError, match="frames=13, but the clip"):
        plan(tiny_config(f"input={path}", "frames=13"))


def test_a_missing_input_or_track_is_named_when_planned_not_when_composed(tiny_config, tmp_path):
    cfg = tiny_config(f"input={tmp_path / 'gone.jpg'}")  # composing reads nothing
    with pytest.raises(UserError, match=r"^input: no file at .*gone\.jpg"):
        plan(cfg)
    with pytest.raises(UserError, match=r"^audio: no file"):
        plan(tiny_config(f"audio={tmp_path / 'gone.wav'}"))


def test_frames_auto_follows_a_sound_track_rounded_up(tiny_config, tmp_path):
    track = noise_wav(tmp_path / "track.wav", 0.5)  # 12 frames at 24 fps exactly; 15.0 at 30
    assert plan(tiny_config("frames=auto", f"audio={track}")).frame_count == 12
    assert plan(tiny_config("frames=auto", f"audio={track}", "fps=31")).frame_count == 16  # 15.5 -> 16


def test_the_recorded_plan_round_trips_exactly(tmp_path):
    resolved = Plan(100, 56, float(CLIP.fps), 12, "/clips/a.mp4", CLIP)
    write_plan(tmp_path, resolved)
    assert read_plan(tmp_path) == resolved and read_plan(tmp_path).clip.fps == Fraction(30000, 1001)
    assert read_plan(tmp_path / "elsewhere") is None
    (tmp_path / "plan.json").write_text("{not json")
    with pytest.raises(UserError, match="plan.json"):
        read_plan(tmp_path)


def test_a_resume_takes_the_clip_facts_from_its_record(tiny_config, clip, tmp_path):
    path, probes = clip
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    recorded = ClipInfo(64, 48, Fraction(25, 1), 9, 0.36, False)
    write_plan(run_dir, Plan(64, 48, 25.0, 9, None, recorded))
    resolved = plan_run(tiny_config(f"input={path}", "frames=auto", f"resume={run_dir}"), run_dir)
    assert (resolved.fps, resolved.frame_count, resolved.clip, resolved.audio_source) == (
        25.0,
        9,
        recorded,
        None,
    )
    assert probes == []  # not probed again
    fresh = plan_run(tiny_config(f"input={path}", "frames=auto"), run_dir)  # a new render plans anew
    assert fresh.clip == CLIP and probes == [path]


@pytest.mark.slow
def test_a_run_made_by_the_old_layout_resumes_from_its_record(tmp_path, tiny_config):
    """tests/data/old_layout_run: 2 of 3 frames rendered by the flat layout (commit 0549b90), no plan.json.
    Resuming it to 3 frames gives exactly the frames a fresh render makes."""
    from pipeline.render import render
    from tests.test_cli import run_cli

    run_dir = tmp_path / "old"
    shutil.copytree(OLD_RUN, run_dir)
    before = {p.name: p.read_bytes() for p in (run_dir / "frames").iterdir()}
    result = run_cli(f"resume={run_dir}", "frames=3")
    assert result.returncode == 0, result.stderr
    assert "resuming" in (run_dir / "render.log").read_text() and (run_dir / "plan.json").is_file()
    settings = [
        "frames=3",
        "layer_schedule=single",
        "layer_schedule.layer=conv3_1",
        "seed=3",
        "dream=full",
        "colour=none",
    ]  # it predates light frames and colour coherence by default
    render(tiny_config(*settings, "contact_sheet=false", "preview_every=0"), tmp_path / "fresh")
    for index in range(3):
        name = f"{index:06d}.png"
        assert (run_dir / "frames" / name).read_bytes() == (tmp_path / "fresh/frames" / name).read_bytes()
    assert {name: (run_dir / "frames" / name).read_bytes() for name in before} == before
