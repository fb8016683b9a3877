"""The bundled ffmpeg: every failure one checked line; frame counts read back exactly."""

import os
import signal
import subprocess

import imageio_ffmpeg
import pytest

from pipeline.errors import UserError
from pipeline.ffmpeg import command, count_frames, popen, run


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


def test_the_encoder_outlives_the_stop_signals_that_reach_every_process_of_a_slurm_job(tmp_path):
    """Under proctrack/linuxproc, scancel's SIGTERM and the time limit's SIGUSR2 reach ffmpeg too (its own
    session does not hide it): it must keep encoding until its input ends."""
    path = tmp_path / "out.mp4"
    args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "32x32", "-r", "10", "-i", "-", "-c:v", "libx264",
            "-pix_fmt", "yuv420p", str(path)]  # fmt: skip
    encoder = popen(args, stdin=subprocess.PIPE)
    frame = bytes(32 * 32 * 3)
    encoder.stdin.write(frame * 3)
    for signum in (signal.SIGTERM, signal.SIGUSR2, signal.SIGINT):
        os.kill(encoder.pid, signum)
    encoder.stdin.write(frame * 2)
    encoder.stdin.close()
    assert encoder.wait(timeout=60) == 0
    assert count_frames(path) == 5
