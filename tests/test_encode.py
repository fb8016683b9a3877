"""Re-encoding a run directory: the real CLI once in a subprocess, the rest in-process through main()."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.encode import main, numbered_frames
from pipeline.errors import UserError
from pipeline.output.frames import read_png, save_png
from pipeline.output.video import probe
from tests.output.test_video import decode, ffmpeg_info, smooth_frames
from tests.sources.test_audio import noise_wav

ROOT = Path(__file__).resolve().parents[1]
RECORD = """\
fps: 24.0
width: 64
height: 48
video:
  filename: dream.mp4
  crf: 12
  preset: veryfast
  maxrate: null
  segment_frames: 4
  keep_segments: false
audio: null
"""


def make_run(run_dir, count=10, record=RECORD):
    """What a render leaves behind: numbered PNG frames and Hydra's record of the settings."""
    (run_dir / "frames").mkdir(parents=True)
    for index, frame in enumerate(smooth_frames(count, 64, 48)):
        save_png(run_dir / "frames" / f"{index:06d}.png", frame)
    (run_dir / ".hydra").mkdir()
    (run_dir / ".hydra" / "config.yaml").write_text(record)
    return run_dir


def snapshot(run_dir):
    return {path.name: path.read_bytes() for path in (run_dir / "frames").iterdir()}


def run_main(capsys, *args):
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return exited.value.code, capsys.readouterr().err


def test_cli_re_encodes_the_frames_with_the_recorded_settings(tmp_path):
    run_dir = make_run(tmp_path / "run")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.encode", f"run_dir={run_dir}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    path = run_dir / "dream.mp4"
    assert probe(path)["frames"] == 10 and b"crf=12.0" in path.read_bytes()
    pngs = [read_png(p) for p in sorted((run_dir / "frames").glob("*.png"))]
    assert max(np.abs(d - f).mean() for d, f in zip(decode(path), pngs)) < 0.02
    assert not (run_dir / "segments").exists()  # joined (3 segments of 4, 4, 2 frames), then deleted


def test_preset_and_audio_from_the_command_line_replace_the_recorded_ones(tmp_path, capsys):
    run_dir = make_run(tmp_path / "run", count=6)
    track = noise_wav(tmp_path / "track.wav", 1.0)
    main([f"run_dir={run_dir}", "video=draft", "video.filename=preview.mp4", f"audio={track}"])
    path = run_dir / "preview.mp4"
    assert b"crf=28.0" in path.read_bytes() and probe(path)["frames"] == 6
    assert "Audio: aac (LC)" in ffmpeg_info(path)


def test_frames_are_taken_in_numeric_order(tmp_path):
    for index in (10, 2, 0, 1, 9, 3, 4, 5, 6, 7, 8):
        (tmp_path / f"{index}.png").touch()
    assert [int(p.stem) for p in numbered_frames(tmp_path)] == list(range(11))
    (tmp_path / "5.png").unlink()
    with pytest.raises(UserError, match="000005.png is missing"):
        numbered_frames(tmp_path)


@pytest.mark.parametrize(
    "breakage, fragment",
    [
        (lambda run: run.rename(run.with_name("gone")), "no directory"),
        (lambda run: [p.unlink() for p in (run / "frames").glob("*.png")], "no frames"),
        (lambda run: (run / ".hydra" / "config.yaml").unlink(), "no render record"),
    ],
)
def test_a_bad_run_dir_is_one_line(tmp_path, capsys, breakage, fragment):
    run_dir = make_run(tmp_path / "run", count=2)
    breakage(run_dir)
    code, err = run_main(capsys, f"run_dir={run_dir}")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: run_dir: ") and fragment in err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run_dir=RUN", "video=youtube_8k"], "choose one of draft, youtube_1080p"),
        (["run_dir=RUN", "video.crff=3"], "crff"),
        (["run_dir=RUN", "fps=30"], "unknown argument 'fps=30'"),
        (["video=draft"], "run_dir is missing"),
    ],
)
def test_bad_arguments_are_one_line(tmp_path, capsys, args, fragment):
    run_dir = make_run(tmp_path / "run", count=2)
    code, err = run_main(capsys, *(arg.replace("RUN", str(run_dir)) for arg in args))
    assert code == 2 and len(err.strip().splitlines()) == 1 and fragment in err


def test_failed_ffmpeg_is_one_line_and_keeps_every_frame(tmp_path, capsys):
    run_dir = make_run(tmp_path / "run", count=3)
    before = snapshot(run_dir)
    (run_dir / "dream.partial.mp4").mkdir()  # the final file cannot be written
    code, err = run_main(capsys, f"run_dir={run_dir}")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "ffmpeg could not join" in err
    assert snapshot(run_dir) == before and not (run_dir / "dream.mp4").exists()
