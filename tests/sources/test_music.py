"""Soundtrack analysis on synthetic tracks written here: click tracks, an amplitude ramp, two sines."""

import json
import sys
import wave

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.run import music_cache
from pipeline.run.music_cache import CACHE, analyse_for_render
from tests.output.test_video import _frames, encode

pytest.importorskip("librosa")
RATE, FPS = 44100, 24.0


def write_wav(path, samples, rate=RATE):
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def click_track(path, bpm, seconds, first=0.3):
    """Short 1 kHz blips (a metronome) every 60/bpm seconds from `first`; returns the true click times."""
    clicks = np.arange(first, seconds - 0.1, 60.0 / bpm)
    samples, n = np.zeros(round(seconds * RATE)), round(0.02 * RATE)
    blip = np.sin(2 * np.pi * 1000 * np.arange(n) / RATE) * np.exp(-np.arange(n) / (0.004 * RATE))
    for time in clicks:
        start = round(time * RATE)
        samples[start : start + n] += 0.6 * blip[: len(samples) - start]
    return write_wav(path, samples), clicks


def frames_for(seconds):
    return int(seconds * FPS)


@pytest.fixture(scope="module", params=[120.0, 93.0])
def clicks(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"bpm{request.param:g}")
    path, truth = click_track(tmp / "clicks.wav", request.param, 20.0)
    return request.param, truth, analyse_for_render(path, FPS, frames_for(20.0), tmp)


def test_click_track_beats_within_one_frame_and_tempo_within_two_percent(clicks):
    bpm, truth, signals = clicks
    distance = np.abs(signals.beats[:, None] - truth[None, :])
    found = (distance.min(axis=0) < 1 / FPS).mean()
    extra = (distance.min(axis=1) >= 1 / FPS).sum() / len(truth)
    assert found >= 0.95 and extra <= 0.05, (found, extra, signals.beats[:5], truth[:5])
    assert signals.tempo == pytest.approx(bpm, rel=0.02)


def test_beat_pulse_peaks_on_the_frames_of_the_clicks(clicks):
    _, truth, signals = clicks
    pulse = np.array([signals.value("beat", i / FPS) for i in range(frames_for(20.0))])
    peaks = np.flatnonzero(pulse == 1.0)
    on_screen = np.floor(truth * FPS).astype(int)  # the frame shown while each click sounds
    off_by = np.abs(peaks[:, None] - on_screen[None, :]).min(axis=1)  # in frames
    assert len(peaks) >= 0.95 * len(truth) and np.all(off_by <= 1), (peaks, on_screen)
    assert np.mean(off_by == 0) >= 0.8  # one frame off only where a click falls within ms of a frame edge
    assert np.all(pulse[peaks[:-1] + 1] < 1.0) and np.all(pulse[peaks[1:] - 1] < 0.1)  # one-frame peaks
    assert np.all(np.diff(pulse[peaks[0] : peaks[0] + 10]) < 0)  # it decays between beats


def test_no_beats_are_invented_in_the_silence_after_the_music(tmp_path):
    path, truth = click_track(tmp_path / "clicks.wav", 120, 4.0)
    with wave.open(str(path)) as file:
        samples = np.frombuffer(file.readframes(file.getnframes()), "<i2") / 32767
    write_wav(path, np.concatenate([samples, np.zeros(3 * RATE)]))  # then 3 s of silence
    signals = analyse_for_render(path, FPS, frames_for(7.0), tmp_path)
    assert signals.beats.max() < truth.max() + 1 / FPS and len(signals.beats) >= len(truth) - 1


def test_onset_strength_is_high_on_clicks_and_low_between(clicks):
    _, truth, signals = clicks
    onset, on_screen = signals.levels["onset"], np.floor(truth * FPS).astype(int)
    near = np.maximum(onset[on_screen], onset[np.minimum(on_screen + 1, len(onset) - 1)])
    between = np.delete(onset, np.concatenate([on_screen - 1, on_screen, on_screen + 1]))
    assert near.min() > 0.5 and between.max() < 0.1 and onset.max() == 1.0


def test_loudness_follows_an_amplitude_ramp(tmp_path):
    seconds = 4.0  # the track runs on 0.2 s past the last frame, whose window would include its end
    time = np.arange(round((seconds + 0.2) * RATE)) / RATE
    write_wav(tmp_path / "ramp.wav", (time / seconds) * 0.85 * np.sin(2 * np.pi * 440 * time))
    signals = analyse_for_render(tmp_path / "ramp.wav", FPS, frames_for(seconds), tmp_path)
    loud = signals.levels["loud"]
    assert np.all(np.diff(loud) > 0), loud
    assert loud[0] < 0.05 and loud[-1] == pytest.approx(1.0, abs=0.05)


def test_bands_separate_a_low_sine_from_a_high_one(tmp_path):
    time = np.arange(2 * RATE) / RATE
    low, high = np.sin(2 * np.pi * 80 * time), np.sin(2 * np.pi * 6000 * time)
    write_wav(tmp_path / "two.wav", 0.5 * np.concatenate([low, high]))
    signals = analyse_for_render(tmp_path / "two.wav", FPS, frames_for(4.0), tmp_path)
    first, second = slice(3, 44), slice(52, 93)  # away from the switch at frame 48
    assert signals.levels["low"][first].min() > 0.8 and signals.levels["low"][second].max() < 0.05
    assert signals.levels["high"][second].min() > 0.8 and signals.levels["high"][first].max() < 0.05


def test_a_resume_reuses_the_cached_numbers(tmp_path, monkeypatch):
    path, _ = click_track(tmp_path / "clicks.wav", 120, 3.0)
    first = analyse_for_render(path, FPS, 72, tmp_path)
    record = json.loads((tmp_path / CACHE).read_text())
    record["tempo"], record["loud"][5] = 77.0, 0.123  # what a resume reads must be the file, not a redo
    (tmp_path / CACHE).write_text(json.dumps(record))
    monkeypatch.setattr(music_cache, "analyse", lambda *a: pytest.fail("analysed again instead of reusing"))
    again = analyse_for_render(path, FPS, 72, tmp_path)
    assert again.tempo == 77.0 and again.levels["loud"][5] == 0.123
    np.testing.assert_array_equal(again.beats, first.beats)
    monkeypatch.undo()
    other_rate = analyse_for_render(path, 30.0, 90, tmp_path)  # another frame rate: analysed afresh
    assert other_rate.tempo != 77.0 and len(other_rate.levels["loud"]) == 90


def test_a_file_without_sound_is_one_line(tmp_path):
    silent_video = encode(tmp_path / "video.mp4", _frames(4, 32, 32))
    with pytest.raises(UserError, match="audio: ffmpeg cannot read a sound track") as error:
        analyse_for_render(silent_video, FPS, 4, tmp_path)
    assert "\n" not in str(error.value)


def test_without_librosa_the_error_names_the_install_command(tmp_path, monkeypatch):
    path, _ = click_track(tmp_path / "clicks.wav", 120, 1.0)
    monkeypatch.setitem(sys.modules, "librosa", None)  # import librosa now raises ImportError
    with pytest.raises(UserError, match=r"pip install -e '\.\[music\]'"):
        analyse_for_render(path, FPS, 24, tmp_path)


def _ramp(path, seconds):
    time = np.arange(round(seconds * RATE)) / RATE
    return write_wav(path, (time / seconds) * 0.85 * np.sin(2 * np.pi * 440 * time))


def test_another_song_in_the_same_folder_is_analysed_afresh(tmp_path):
    first, _ = click_track(tmp_path / "first.wav", 120, 3.0)
    other, _ = click_track(tmp_path / "other.wav", 93, 3.0, first=0.1)
    old = analyse_for_render(first, FPS, 72, tmp_path)
    new = analyse_for_render(other, FPS, 72, tmp_path)  # a render after a failed one, another track
    assert new.beats[0] < 0.2 < old.beats[0]
    assert json.loads((tmp_path / CACHE).read_text())["source"]["path"] == str(other.resolve())
    click_track(first, 93, 3.0, first=0.1)  # the same file, rewritten: analysed afresh too
    assert analyse_for_render(first, FPS, 72, tmp_path).beats[0] < 0.2


def test_a_resume_refuses_a_track_that_is_not_the_one_analysed(tmp_path):
    first, _ = click_track(tmp_path / "first.wav", 120, 3.0)
    other, _ = click_track(tmp_path / "other.wav", 93, 3.0, first=0.1)
    analyse_for_render(first, FPS, 72, tmp_path)
    cached = (tmp_path / CACHE).read_bytes()
    with pytest.raises(UserError, match="resume: the soundtrack is not the one") as error:
        analyse_for_render(other, FPS, 72, tmp_path, resuming=True)
    assert "first.wav" in str(error.value) and "\n" not in str(error.value)
    assert (tmp_path / CACHE).read_bytes() == cached


def test_a_longer_resume_reads_the_very_same_numbers(tmp_path):
    track = _ramp(tmp_path / "ramp.wav", 4.0)
    short = analyse_for_render(track, FPS, 48, tmp_path)  # half the track; levels scaled to the track's
    longer = analyse_for_render(track, FPS, 120, tmp_path, resuming=True)  # past its end: silence
    np.testing.assert_array_equal(longer.levels["loud"][:48], short.levels["loud"])
    assert short.levels["loud"].max() < 0.6 and longer.levels["loud"][96:].max() == 0.0


@pytest.mark.parametrize("text", ["{not json", "[]", '{"fps": 24.0}'])
def test_a_corrupt_cache_is_one_line_on_resume_and_analysed_afresh_otherwise(tmp_path, text):
    track, _ = click_track(tmp_path / "clicks.wav", 120, 1.0)
    (tmp_path / CACHE).write_text(text)
    with pytest.raises(UserError, match="music.json is unreadable .*delete it"):
        analyse_for_render(track, FPS, 24, tmp_path, resuming=True)
    assert analyse_for_render(track, FPS, 24, tmp_path).tempo > 0


def test_a_track_too_short_for_a_beat_says_so_in_one_line_without_librosas_warnings(caplog):
    """10 ms of tone: no beat can be heard. The log says what that means for the render (beat(t) stays 0,
    a bars schedule does not move) instead of "0.0 BPM, 0 beats" and librosa's raw n_fft warnings."""
    import warnings

    from pipeline.sources.music import RATE as MUSIC_RATE
    from pipeline.sources.music import analyse

    n = round(0.01 * MUSIC_RATE)
    samples = (0.5 * np.sin(2 * np.pi * 440 * np.arange(n) / MUSIC_RATE)).astype(np.float32)
    with warnings.catch_warnings(record=True) as raised, caplog.at_level("INFO", "pipeline.sources.music"):
        warnings.simplefilter("always")
        analysis = analyse(samples, FPS, 2)
    assert analysis["beats"] == []
    assert [str(w.message) for w in raised] == []
    messages = [record.getMessage() for record in caplog.records]
    assert any("no beats found" in m and "bars schedule" in m for m in messages), messages
    assert not any("BPM" in m for m in messages)
