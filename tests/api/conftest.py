"""The API's fixtures: a Dreamer with the tests' tiny settings, and the real CLI's one-line mistakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The stills' and renders' tiny settings (tests/test_dream.py, tests/test_cli.py), as the API takes them
NETWORK = {"model.weights": "random", "precision": "fp32"}
SMALL = {"octaves": 2, "steps": 2, "jitter": 4}


def cli(command: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """`python -m pipeline.<command> args...` as a user runs it (this checkout's pipeline)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", f"pipeline.{command}", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def cli_mistake(command: str, *args: str) -> str:
    """The one line the CLI prints for a mistake, without its `error: ` prefix (exit code 2)."""
    result = cli(command, *args)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0].removeprefix("error: ")


@pytest.fixture(scope="module")
def dreamer():
    import pipeline

    return pipeline.Dreamer(overrides=NETWORK, quiet=True)


@pytest.fixture
def photo() -> np.ndarray:
    """A 48x64 colour gradient, uint8 RGB: a picture with some structure to dream on."""
    y, x = np.mgrid[0:48, 0:64]
    return np.dstack([x * 4, y * 5, np.full_like(x, 128)]).astype(np.uint8)
