"""pipeline.render_video: the render command from Python, with its settings, mistakes, record, lock and
resume, and the very bytes it writes."""

import fcntl
import os
import subprocess
import sys
import textwrap

import pytest

import pipeline
from pipeline.output.video import probe
from tests.api.conftest import ROOT, cli, cli_mistake

TINY = ["model.weights=random", "precision=fp32", "width=64", "height=48", "dream.octaves=2", "dream.steps=2",
        "dream.jitter=4", "video.preset=ultrafast"]  # fmt: skip
RECORD = (".hydra/config.yaml", ".hydra/overrides.yaml", "plan.json")


def _lock_is_free(run_dir) -> bool:
    """Whether another process could take run_dir's lock now (flock: a new descriptor counts as one)."""
    fd = os.open(run_dir / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.slow
def test_the_api_writes_the_commands_bytes_and_record(tmp_path):
    by_cli, by_api = tmp_path / "cli", tmp_path / "api"
    result = cli("render", *TINY, "frames=3", "motion=zoom", f"hydra.run.dir={by_cli}")
    assert result.returncode == 0, result.stderr
    mp4 = pipeline.render_video(by_api, TINY, frames=3, motion="zoom", quiet=True)
    assert mp4 == by_api / "dream.mp4" and probe(mp4)["frames"] == 3
    frames = sorted(path.name for path in (by_cli / "frames").glob("*.png"))
    assert frames == sorted(path.name for path in (by_api / "frames").glob("*.png")) and len(frames) == 3
    for name in [*(f"frames/{frame}" for frame in frames), "dream.mp4", *RECORD]:
        assert (by_api / name).read_bytes() == (by_cli / name).read_bytes(), name
    assert "frame 3/3" in (by_api / "render.log").read_text()
    assert (by_api / "index.html").is_file() and (by_api / "contact_sheet.jpg").is_file()
    assert _lock_is_free(by_api)  # a notebook that rendered does not keep the run to itself


def test_a_resume_continues_with_the_recorded_settings_and_a_bad_one_is_refused(tmp_path):
    run = tmp_path / "run"
    pipeline.render_video(run, TINY, frames=1, cadence=1, quiet=True)
    with pytest.raises(pipeline.UserError, match="resume: width differ from the settings"):
        pipeline.render_video(resume=run, width=80, quiet=True)
    with pytest.raises(pipeline.UserError, match="already holds a render .*; to continue it: "):
        pipeline.render_video(run, TINY, frames=1, quiet=True)
    with pytest.raises(pipeline.UserError, match="out_dir and resume are both given"):
        pipeline.render_video(tmp_path / "other", resume=run)
    assert pipeline.render_video(resume=run, frames=2, quiet=True) == run / "dream.mp4"
    assert probe(run / "dream.mp4")["frames"] == 2 and _lock_is_free(run)


def test_the_default_run_directory_is_a_new_one_under_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mp4 = pipeline.render_video(overrides=TINY, frames=1, quiet=True)
    assert mp4.is_file() and mp4.parent.parent.parent == tmp_path / "outputs"  # outputs/<date>/<time>


def test_quiet_leaves_the_console_alone_and_the_log_whole(tmp_path, capfd):
    pipeline.render_video(tmp_path / "run", TINY, frames=1, quiet=True)
    said = capfd.readouterr()
    assert "dreaming" not in said.err and "INFO" not in said.out
    assert "wrote" in (tmp_path / "run" / "render.log").read_text()
    pipeline.render_video(tmp_path / "loud", TINY, frames=1)
    said = capfd.readouterr()
    assert "dreaming" in said.err and "[INFO] - wrote" in said.out


def test_logging_is_as_it_was_after_a_render(tmp_path):
    import logging

    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    pipeline.render_video(tmp_path / "run", TINY, frames=1, quiet=True)
    assert (root.handlers, root.level) == before


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "cli_args"),
    [
        ({"dream": {"octavs": 3}}, ["dream.octavs=3"]),
        ({"motion": "zom"}, ["motion=zom"]),
        ({"frames": 0}, ["frames=0"]),
        ({"overrides": {"layer_schedule": "single", "layer_schedule.layer": "conv9_1"}},
         ["layer_schedule=single", "layer_schedule.layer=conv9_1"]),
        ({"width": 63}, ["width=63"]),
    ],
)  # fmt: skip
def test_a_mistake_is_the_render_commands_line(tmp_path, settings, cli_args):
    with pytest.raises(pipeline.UserError) as raised:
        pipeline.render_video(tmp_path / "api", **settings)
    assert str(raised.value) == cli_mistake("render", *cli_args, f"hydra.run.dir={tmp_path / 'cli'}")
    assert not (tmp_path / "api").exists()  # refused before a run directory was made


@pytest.mark.slow
def test_a_run_in_use_is_refused_in_the_commands_words(tmp_path):
    run = tmp_path / "run"
    hold = textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from pipeline.run.lock import acquire
        acquire(Path(sys.argv[1]), "render")
        print("held", flush=True)
        time.sleep(120)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(run)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(pipeline.UserError, match="is in use by pid") as raised:
            pipeline.render_video(run, TINY, frames=1, quiet=True)
        assert str(raised.value) == cli_mistake("render", *TINY, "frames=1", f"hydra.run.dir={run}")
    finally:
        holder.kill()
        holder.wait()
