import subprocess
import wave

import imageio_ffmpeg
import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.output.video import probe
from pipeline.render import render
from pipeline.run.plan import plan
from pipeline.sources.audio import audio_duration
from tests.conftest import compose_config
from tests.output.test_video import _frames, encode, ffmpeg_info


def noise_wav(path, seconds, rate=44100, channels=1):
    """Seeded noise as 16-bit PCM: loud and busy, so the AAC encoder spends its whole bitrate."""
    samples = np.random.default_rng(0).uniform(-0.5, 0.5, (round(seconds * rate), channels))
    with wave.open(str(path), "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


def convert(source, target):
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(source), str(target)], check=True
    )
    return target


def test_duration_of_wav_flac_m4a_and_mp3(tmp_path):
    wav = noise_wav(tmp_path / "a.wav", 1.5)
    assert audio_duration(wav) == pytest.approx(1.5, abs=1e-3)
    for suffix in ("flac", "m4a", "mp3"):  # lossy codecs may round to their frame size
        assert audio_duration(convert(wav, tmp_path / f"a.{suffix}")) == pytest.approx(1.5, abs=0.03)


@pytest.mark.parametrize(
    "seconds, channels",
    [(2.5, 2), (0.4, 1)],  # longer than the video: cut; shorter, and mono: padded with silence, made stereo
)
def test_audio_is_aac_lc_stereo_48k_and_ends_with_the_picture(tmp_path, seconds, channels):
    track = noise_wav(tmp_path / "track.wav", seconds, channels=channels)
    path = encode(tmp_path / "out.mp4", _frames(24, 64, 48), fps=24.0, audio=track, segment_frames=10)
    info = ffmpeg_info(path)
    assert "Audio: aac (LC)" in info and "48000 Hz, stereo" in info
    if channels == 2:  # stereo noise leaves the encoder nothing to save: it spends the 384 kbit/s asked for
        assert int(info.split("stereo, fltp, ")[1].split(" kb/s")[0]) > 350
    assert probe(path)["frames"] == 24
    assert audio_duration(path) == pytest.approx(1.0, abs=1 / 24)  # the video lasts 24 / 24 fps


def test_missing_audio_is_one_line_naming_audio(tmp_path):
    for call in (
        lambda: audio_duration(tmp_path / "song.mp3"),
        lambda: plan(compose_config(f"audio={tmp_path}/x.wav")),
    ):
        with pytest.raises(UserError, match=r"^audio: no file") as caught:
            call()
        assert "\n" not in str(caught.value)
        assert "audio=none for a silent video" in str(caught.value)  # null keeps a clip's own sound


def test_unreadable_audio_fails_before_any_frame_is_encoded(tmp_path):
    (tmp_path / "song.wav").write_text("not sound")
    with pytest.raises(UserError, match=r"^audio: ffmpeg cannot read") as caught:
        encode(tmp_path / "out.mp4", _frames(2, 32, 32), audio=tmp_path / "song.wav")
    assert "\n" not in str(caught.value) and not (tmp_path / "segments").exists()


def test_render_muxes_the_configured_track(tmp_path):
    track = noise_wav(tmp_path / "track.wav", 3.0)
    path = render(compose_config("frames=2", f"audio={track}"), tmp_path / "run")
    assert "Audio: aac (LC)" in ffmpeg_info(path) and probe(path)["frames"] == 2
    assert audio_duration(path) == pytest.approx(2 / 24, abs=1 / 24)
