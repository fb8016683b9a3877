"""plan.json records the files a render read as absolute paths, so a resume or `pipeline.encode` run from
another folder uses the very same files (a relative `song.wav` there is another file, or none)."""

import json
import shutil
import subprocess
import sys

import pytest

from pipeline.output.video import probe
from tests.output.test_video import ffmpeg_info
from tests.test_cli import ROOT, TINY, run_cli
from tests.test_music_render import photo

pytestmark = pytest.mark.slow


def test_relative_audio_and_input_are_recorded_absolute_and_used_from_anywhere(tmp_path, click_wav):
    here = tmp_path / "here"
    here.mkdir()
    shutil.copy(click_wav, here / "song.wav")
    photo(here / "photo.png")
    run_dir = tmp_path / "run"
    result = run_cli(*TINY, "frames=2", "fps=8", "audio=song.wav", "input=photo.png",
                     f"hydra.run.dir={run_dir}", cwd=here)  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json.loads((run_dir / "plan.json").read_text())
    assert plan["audio_source"] == str(here / "song.wav") and plan["input"] == str(here / "photo.png")
    (run_dir / "dream.mp4").unlink()
    encoded = subprocess.run([sys.executable, "-m", "pipeline.encode", f"run_dir={run_dir}"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert encoded.returncode == 0, encoded.stderr
    assert probe(run_dir / "dream.mp4")["frames"] == 2 and "Audio: aac" in ffmpeg_info(run_dir / "dream.mp4")
    resumed = run_cli(f"resume={run_dir}", cwd=ROOT)  # elsewhere: no song.wav here
    assert resumed.returncode == 0, resumed.stderr
    assert "Audio: aac" in ffmpeg_info(run_dir / "dream.mp4")
