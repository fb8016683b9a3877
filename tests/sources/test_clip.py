from fractions import Fraction

import imageio_ffmpeg
import numpy as np
import pytest

import pipeline.sources.clip
from pipeline.errors import UserError
from pipeline.ffmpeg import run
from pipeline.output.video import Mp4Writer
from pipeline.output.video_config import VideoConfig
from pipeline.sources.audio import audio_duration
from pipeline.sources.clip import ClipInfo, even_size, is_video, probe_clip, read_clip


@pytest.fixture(scope="module")
def ntsc(tmp_path_factory):
    """30 frames at exactly 30000/1001 fps (1.001 s) with a sine tone, as a camera would write it."""
    path = tmp_path_factory.mktemp("clips") / "ntsc.mp4"
    run(["-f", "lavfi", "-i", "testsrc=size=64x48:rate=30000/1001:duration=1.001",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=1.001",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)], "make a test clip")  # fmt: skip
    return path


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    """12 silent frames at 30 fps, 66x50, each brighter than the one before."""
    path = tmp_path_factory.mktemp("clips") / "ramp.mp4"
    writer = imageio_ffmpeg.write_frames(str(path), (66, 50), fps=30, macro_block_size=2, quality=None,
                                         output_params=["-crf", "12"])  # fmt: skip
    writer.send(None)
    x = np.linspace(0, 60, 66)[None, :, None]
    for i in range(12):
        writer.send(np.broadcast_to(15 * i + 10 + x, (50, 66, 3)).astype(np.uint8).copy())
    writer.close()
    return path


def test_an_ntsc_clip_with_sound_is_probed_exactly(ntsc):
    info = probe_clip(ntsc)
    assert info == ClipInfo(64, 48, Fraction(30000, 1001), 30, pytest.approx(1.001), True)


def test_a_silent_30_fps_clip_is_probed_exactly(ramp):
    assert probe_clip(ramp) == ClipInfo(66, 50, Fraction(30), 12, pytest.approx(0.4), False)


def test_a_variable_rate_clip_keeps_every_frame_once(tmp_path):
    # 10 frames 1/25 s apart, then 10 frames 2/25 s apart: ffmpeg's default pipe output would pad this
    # to a constant 25 fps by repeating frames
    path, times = tmp_path / "vfr.mkv", "setpts='if(lt(N,10),N,10+2*(N-10))/25/TB'"
    run(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=25", "-frames:v", "20", "-vf", times,
         "-fps_mode", "vfr", str(path)], "make a variable-rate clip")  # fmt: skip
    info = probe_clip(path)
    assert info.frames == 20 == sum(1 for _ in read_clip(path, 32, 32))
    assert info.fps == Fraction(25 * 19, 28)  # the mean rate: 19 gaps over 28/25 s


def test_a_trimmed_mp4_counts_only_the_frames_it_shows(tmp_path):
    # a stream copy cut between keyframes keeps the packets before the cut behind an edit list
    whole, trimmed = tmp_path / "whole.mp4", tmp_path / "trimmed.mp4"
    run(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=30", "-t", "2", "-g", "30", str(whole)], "make a clip")
    run(["-ss", "0.5", "-i", str(whole), "-c", "copy", str(trimmed)], "trim it")
    info = probe_clip(trimmed)
    assert info.frames == 45 == sum(1 for _ in read_clip(trimmed, 32, 32)) and info.fps == 30


def test_a_rotated_phone_clip_is_measured_as_it_plays(ntsc, tmp_path):
    portrait = tmp_path / "portrait.mp4"
    run(["-display_rotation:v:0", "90", "-i", str(ntsc), "-c", "copy", str(portrait)], "rotate it")
    assert (probe_clip(portrait).width, probe_clip(portrait).height) == (48, 64)
    upright = next(read_clip(portrait, 48, 64))  # ffmpeg turns the picture; nothing is cropped
    assert np.abs(upright - np.rot90(next(read_clip(ntsc, 64, 48)))).mean() < 0.01


def test_frames_stream_in_order_at_the_requested_size(ramp):
    frames = list(read_clip(ramp, 32, 24))
    assert len(frames) == 12
    assert all(f.shape == (24, 32, 3) and f.dtype == np.float32 for f in frames)
    assert all(f.min() >= 0.0 and f.max() <= 1.0 for f in frames)
    means = [f.mean() for f in frames]
    assert means == sorted(means) and means[-1] - means[0] > 0.5
    native = next(read_clip(ramp, 66, 50))
    assert native.shape == (50, 66, 3) and abs(native[:, 0].mean() - 10 / 255) < 0.02


def test_stopping_early_stops_ffmpeg(ramp, monkeypatch):
    readers, original = [], imageio_ffmpeg.read_frames

    def recording(*args, **kwargs):
        readers.append(original(*args, **kwargs))
        return readers[-1]

    monkeypatch.setattr(pipeline.sources.clip.imageio_ffmpeg, "read_frames", recording)
    frames = read_clip(ramp, 32, 32)
    next(frames), next(frames)
    frames.close()
    assert readers[0].gi_frame is None  # closed: its finally block has stopped the ffmpeg process


@pytest.mark.parametrize("name", ["missing.mp4", "text.mp4", "sound.wav"])
def test_a_missing_or_non_video_input_fails_in_one_line_naming_input(tmp_path, name):
    (tmp_path / "text.mp4").write_text("not a video")
    run(["-f", "lavfi", "-i", "sine", "-t", "0.1", str(tmp_path / "sound.wav")], "make a sound")
    with pytest.raises(UserError, match="^input: ") as caught:
        probe_clip(tmp_path / name)
    assert "\n" not in str(caught.value)
    with pytest.raises(UserError, match="^input: "):
        next(read_clip(tmp_path / "missing.mp4", 32, 32))


def test_the_clip_is_its_own_sound_track(ntsc, ramp, tmp_path):
    """What the render loop relies on: the clip goes to Mp4Writer as `audio`, and the output keeps its
    frame count, exact rate, duration and sound."""
    assert audio_duration(ntsc) == pytest.approx(1.001, abs=0.03)
    info = probe_clip(ntsc)
    with Mp4Writer(
        tmp_path / "out.mp4", 64, 48, float(info.fps), VideoConfig(preset="ultrafast"), ntsc
    ) as out:
        for frame in read_clip(ntsc, 64, 48):
            out.write(1.0 - frame)
        path = out.close()
    assert probe_clip(path) == info
    with pytest.raises(UserError, match="^audio: "):  # a silent clip: check has_audio first
        audio_duration(ramp)


def test_video_extensions_and_even_sizes():
    assert is_video("a/clip.MP4") and is_video("b.webm") and is_video("c.gif")
    assert not is_video("photo.png") and not is_video("noise")
    assert (
        even_size(1921, 1081) == (1920, 1080) and even_size(64, 48) == (64, 48) and even_size(1, 1) == (2, 2)
    )
