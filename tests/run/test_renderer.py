"""What a render builds once and checks before its first frame."""

import pytest

from pipeline.errors import UserError
from pipeline.run.plan import plan
from pipeline.run.renderer import Renderer


def test_a_run_directory_holding_frames_is_refused_unless_resumed(tiny_config, tmp_path):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames/000000.png").write_bytes(b"")
    with pytest.raises(UserError, match="resume="):
        Renderer(tiny_config(), plan(tiny_config()), tmp_path)
