"""The bundled ffmpeg: every failure one checked line; frame counts read back exactly."""

import imageio_ffmpeg
import pytest

from pipeline.errors import UserError
from pipeline.ffmpeg import command, count_frames, run


def test_command_runs_the_bundled_binary_quietly_and_overwrites():
    args = command("-i", "x")
    assert args[0] == imageio_ffmpeg.get_ffmpeg_exe() and args[-2:] == ["-i", "x"]
    assert {"-y", "-nostdin", "-hide_banner"} <= set(args) and args[args.index("-loglevel") + 1] == "error"


def test_a_failed_run_is_one_line_naming_what_was_being_done(tmp_path):
    with pytest.raises(UserError) as caught:
        run(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], "read the clip")
    message = str(caught.value)
    assert message.startswith("ffmpeg could not read the clip (exit ") and "No such file" in message
    assert "\n" not in message


def test_count_frames_reads_back_an_encoded_clip(tmp_path):
    path = tmp_path / "five.mp4"
    run(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=10", "-frames:v", "5", "-c:v", "libx264",
         "-pix_fmt", "yuv420p", str(path)], "make a clip")  # fmt: skip
    assert count_frames(path) == 5
