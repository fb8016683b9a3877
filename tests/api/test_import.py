"""`import pipeline` stays instant: the API's names load on first use, and torch only when a Dreamer or a
render needs it."""

import os
import subprocess
import sys

import pytest

import pipeline
from tests.api.conftest import ROOT

HEAVY = ("torch", "torchvision", "cv2")
PROBE = """
import sys
import pipeline
{use}
print(" ".join(name for name in {heavy!r} if name in sys.modules) or "none")
"""


@pytest.mark.parametrize(
    "use",
    ["", "pipeline.Dreamer, pipeline.render_video, pipeline.DreamImage, pipeline.UserError"],
)
def test_import_pipeline_and_its_api_names_load_no_torch(use):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = PROBE.format(use=use, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["none"]


def test_the_api_names_are_the_api_modules_own():
    from pipeline.api.dreamer import Dreamer
    from pipeline.api.video import render_video
    from pipeline.errors import UserError

    assert (pipeline.Dreamer, pipeline.render_video, pipeline.UserError) == (Dreamer, render_video, UserError)
    assert {"Dreamer", "render_video", "DreamImage", "UserError"} <= set(dir(pipeline))
    with pytest.raises(AttributeError, match="no attribute 'Dreamr'"):
        pipeline.Dreamr  # noqa: B018
