"""`python -m pipeline.bench --quality`: the table and the contact sheets, on a tiny random-weight run (the
numbers only mean something on the stand-in: docs/quality.md); mistakes are one line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline.bench", "--quality", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_quality_prints_the_table_and_writes_the_sheets(tmp_path):
    tiny = ["--random", "--layer", "conv3_1", "--channel", "5", "--zoom-frames", "7", "--zoom-size", "64x48"]
    tiny += ["--colour-frames", "7", "--colour-size", "64x48", "dream.octaves=2", "dream.steps=2"]
    result = _bench(*tiny, "precision=fp32", "dream.jitter=4", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for line in ("(1) zoom, 7 frames at 64x48", "strength kept", "jump into dreamed frames", "cost ratio",
                 "(2) colour coherence", "(3) stills at conv3_1", "channel 5 gain"):  # fmt: skip
        assert line in result.stdout, result.stdout
    names = {path.name for path in tmp_path.iterdir()}
    assert {"zoom_defaults.jpg", "zoom_full.jpg", "colour_on.jpg", "colour_off.jpg", "stills.jpg"} <= names
    figures = json.loads((tmp_path / "quality.json").read_text())
    assert figures["zoom"]["kept"] > 0 and figures["zoom"]["dreamed"] == {"defaults": 2, "full": 7}
    assert set(figures["colour"]["on"]) == {"luminance", "saturation", "clipped"}


@pytest.mark.parametrize("args, fragment", [(["--zoom-size", "320by180"], "WIDTHxHEIGHT"),
                                            (["--colour-frames", "1"], "--colour-frames"),
                                            (["--colour-size", "160x90"], "at least 118 px")])  # fmt: skip
def test_mistakes_are_one_line(args, fragment):
    """Before anything is measured: a colour size too small for the stand-in's mixed3 at 4 octaves
    used to end the run after the zoom's minutes, with nothing printed."""
    result = _bench(*args)
    assert result.returncode == 2 and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stdout == ""
