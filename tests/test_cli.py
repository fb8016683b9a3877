"""End to end: the real CLI in a subprocess, as a user runs it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.output.video import probe

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
TINY = [
    "model.weights=random",
    "precision=fp32",  # auto is bf16 on CPUs with native bf16: pin what bytes and numbers depend on
    "width=64",
    "height=48",
    "dream.octaves=2",
    "dream.steps=2",
    "video.preset=ultrafast",
]


def run_cli(*args, env=None, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.render", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _assert_one_line_error(result, *fragments):
    """A mistake, as every command reports it (pipeline.errors.report): exit 2, `error: ...`, one line."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert lines[0].removeprefix("error: ") not in result.stdout, "printed twice (a log line too)"
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0]


def test_renders_a_video_into_the_run_directory(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(*TINY, "frames=3", "layer_schedule=deep", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    assert len(list((run_dir / "frames").glob("*.png"))) == 3
    info = probe(run_dir / "dream.mp4")
    assert info["frames"] == 3 and tuple(info["size"]) == (64, 48) and info["codec"].startswith("h264")
    assert (run_dir / ".hydra/config.yaml").is_file() and (run_dir / "render.log").is_file()
    assert "frame 3/3" in (run_dir / "render.log").read_text()
    assert "frame 3/3" not in result.stdout + result.stderr  # a quiet console: the bar shows the frames


def test_log_frames_brings_the_per_frame_lines_back_to_the_console(tmp_path):
    result = run_cli(*TINY, "frames=1", "log_frames=true", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr
    assert "frame 1/1" in result.stdout and "frame 1/1" in (tmp_path / "render.log").read_text()


def test_bad_layer_name(tmp_path):
    result = run_cli(
        *TINY, "layer_schedule=single", "layer_schedule.layer=conv9_1", f"hydra.run.dir={tmp_path}"
    )
    _assert_one_line_error(result, "conv9_1", "conv1_1")


def test_missing_input_file(tmp_path):
    result = run_cli(*TINY, f"input={tmp_path / 'missing.jpg'}", f"hydra.run.dir={tmp_path / 'run'}")
    _assert_one_line_error(result, "missing.jpg", "input")
    assert not (tmp_path / "run" / "frames").exists()


def test_offline_without_cached_weights(tmp_path):
    env = {
        "TORCH_HOME": str(tmp_path / "torch"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    args = [a for a in TINY if not a.startswith("model.")]
    result = run_cli(*args, "model.weights=imagenet", f"hydra.run.dir={tmp_path / 'run'}", env=env)
    _assert_one_line_error(result, "vgg19-dcbb9e9d.pth", "model.weights=")


def test_help_and_cfg_show_the_settings():
    help_text = run_cli("--help").stdout
    assert "layer_schedule" in help_text and "motion" in help_text and "pipeline.render" in help_text
    job = run_cli("--cfg", "job").stdout
    for key in (
        "input:",
        "width:",
        "frames:",
        "fps:",
        "seed:",
        "device:",
        "weights:",
        "octaves:",
        "octave_scale:",
        "lr:",
        "jitter:",
    ):
        assert key in job


def test_frames_auto_without_audio_renders_120_frames(tmp_path):
    """docs/settings.md: frames=auto is a clip's length, else the audio track's, else 120 (not a mistake)."""
    run_dir = tmp_path / "run"
    fast = ["width=32", "height=32", "dream.octaves=1", "dream.steps=1", "layer_schedule=single",
            "layer_schedule.layer=conv1_1", "preview_every=0", "contact_sheet=false"]  # fmt: skip
    result = run_cli(*TINY, *fast, "frames=auto", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    assert len(list((run_dir / "frames").glob("*.png"))) == 120
    assert probe(run_dir / "dream.mp4")["frames"] == 120


def rendered_run(tmp_path_factory, name: str, *settings: str) -> Path:
    """A finished render of `settings` in a fresh folder named after `name` (for module-scoped fixtures)."""
    run_dir = tmp_path_factory.mktemp(name)
    result = run_cli(*settings, f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    return run_dir


def test_a_mistake_is_printed_once_and_kept_in_the_runs_log(tmp_path, capsys):
    """report(): `error: ...` on stderr; its log record reaches the log file but not Hydra's console
    handler (which carries run/console.py's filter), so the console shows the mistake once."""
    import io
    import logging

    from pipeline.errors import UserError, report
    from pipeline.run.console import PerFrameFilter

    log, console = logging.getLogger("test.mistake"), io.StringIO()
    to_console, to_file = logging.StreamHandler(console), logging.FileHandler(tmp_path / "render.log")
    to_console.addFilter(PerFrameFilter())
    for handler in (to_console, to_file):
        log.addHandler(handler)
    try:
        with pytest.raises(SystemExit) as exited:
            report(UserError("width: must be even, got 63"), log)
    finally:
        for handler in (to_console, to_file):
            log.removeHandler(handler)
        to_file.close()
    assert exited.value.code == 2
    assert capsys.readouterr().err == "error: width: must be even, got 63\n"
    assert console.getvalue() == ""
    assert "width: must be even, got 63" in (tmp_path / "render.log").read_text()
