"""Music functions read at a frame's time: pulses on beat frames, levels, beat counting, binding."""

import numpy as np
import pytest

from pipeline.animation.keyframes import parse_keyframes
from pipeline.animation.schedule import LayerSchedule, LayerScheduleConfig, StageConfig
from pipeline.animation.signals import MusicSignals
from pipeline.sources.music import fit_tempo

FPS = 10.0
BEATS = np.array([0.25, 0.75, 1.25, 1.75, 2.25])  # 120 BPM from 0.25 s: on screen in frames 2, 7, 12 ...


def signals(beats=BEATS, frames=40, **kwargs):
    ramp = np.linspace(0.0, 1.0, frames)
    levels = {name: ramp for name in ("loud", "onset", "low", "mid", "high")}
    return MusicSignals(FPS, levels, np.asarray(beats, float), 120.0, **kwargs)


def test_beat_is_one_on_the_frame_showing_each_beat_and_halves_every_half_life():
    music = signals(half_life=0.1)
    pulse = [music.value("beat", i / FPS) for i in range(25)]
    assert [i for i, v in enumerate(pulse) if v == 1.0] == [2, 7, 12, 17, 22]
    assert pulse[0] == pulse[1] == 0.0  # nothing before the first beat
    assert pulse[3] == pytest.approx(0.5) and pulse[4] == pytest.approx(0.25)  # 0.1 s later: half
    assert music.value("beat", 0.4, 0.2) == pytest.approx(0.5)  # beat(t, 0.2): its own half-life


def test_bar_pulses_on_the_first_beat_of_each_bar_only():
    music = signals(beats=np.arange(12) * 0.5, beats_per_bar=3)
    peaks = [i for i in range(60) if music.value("bar", i / FPS) == 1.0]
    assert peaks == [0, 15, 30, 45]


def test_levels_are_read_at_the_frame_time_and_held_past_the_ends():
    music = signals(frames=11)  # 0, 0.1, ... 1.0 at frames 0..10
    assert music.value("loud", 0.5) == pytest.approx(0.5)
    assert music.value("high", 0.25) == pytest.approx(0.25)  # between frames: interpolated
    assert music.value("low", 99.0) == 1.0 and music.value("mid", -1.0) == 0.0


def test_beat_position_counts_beats_and_carries_on_at_the_tempo():
    music = signals()
    assert music.beat_position(0.25) == 0 and music.beat_position(1.0) == pytest.approx(1.5)
    assert music.beat_position(3.25) == pytest.approx(6.0)  # two beats past the last detected one
    assert music.beat_position(0.0) == pytest.approx(-0.5)
    assert music.value("phase", 1.0) == pytest.approx(0.5)


def test_tempo_is_fitted_through_all_beats_even_with_one_missing():
    beats = np.delete(0.3 + np.arange(40) * 60 / 93, 17)
    assert fit_tempo(beats, fallback=0.0) == pytest.approx(93.0, rel=1e-9)


def test_a_parsed_setting_reads_the_bound_track_and_silence_without_one():
    zoom = parse_keyframes("1 + 0.5*beat(t)", name="motion.zoom")
    assert zoom.needs == {"beat"} and not zoom.is_constant
    assert zoom(0.2) == 1.0  # unbound: every signal reads 0
    bound = parse_keyframes(zoom.text, name="motion.zoom", signals=signals())
    assert bound(0.2) == 1.5 and bound(0.3) == pytest.approx(1.25)
    keyed = parse_keyframes("0:(loud(t)), 1:(2*high(0.5))", signals=signals(frames=11))
    assert keyed.needs == {"loud", "high"} and keyed(1.0) == pytest.approx(1.0)


def _beat_schedule(unit, music):
    stages = [StageConfig(at=0.0, layers={"conv3_1": 1.0}), StageConfig(at=2.0, layers={"conv5_1": 1.0})]
    return LayerSchedule(LayerScheduleConfig(unit=unit, stages=stages), FPS, 40, music)


def test_a_beats_schedule_switches_on_the_frame_of_its_beat():
    music = signals()
    schedule = _beat_schedule("beats", music)  # beat 2 sounds at 1.25 s, while frame 12 is on screen
    assert schedule.weights_at(11) == {"conv3_1": 1.0} and schedule.weights_at(12) == {"conv5_1": 1.0}
    assert music.value("beat", 12 / FPS) == 1.0  # the frame the pulse peaks on


def test_a_bars_schedule_counts_beats_per_bar_and_extrapolates_past_the_last_beat():
    schedule = _beat_schedule("bars", signals(beats_per_bar=3))  # bar 2 = beat 6: 3.25 s, extrapolated
    assert schedule.weights_at(31) == {"conv3_1": 1.0} and schedule.weights_at(32) == {"conv5_1": 1.0}
