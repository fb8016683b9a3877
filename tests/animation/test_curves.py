"""Keyframed settings reach what the user set: which setting a dreamed frame reads, every key read with the
render's signals, and every value checked over the whole video before frame 0."""

import numpy as np
import pytest

from pipeline.animation.colour import ColourConfig
from pipeline.animation.colour_match import ColourMatch
from pipeline.animation.curves import KEYS, Curves
from pipeline.animation.signals import LEVELS, MusicSignals
from pipeline.errors import UserError
from tests.conftest import compose_config


def ramp_signals(fps=4.0, frames=9):
    """Every level rises 0 -> 1 over the frames; beats each second."""
    levels = {name: np.linspace(0.0, 1.0, frames) for name in LEVELS}
    return MusicSignals(fps, levels, np.arange(0.0, frames / fps, 1.0), 60.0)


def test_a_keyframed_lr_drives_the_light_frames_under_the_default():
    cfg = compose_config('dream.lr="0.04 + 0.1*t"', 'dream.steps="0:(4), 2:(12)"')  # dream=default
    assert cfg.dream.frame_lr == "0.25"  # the preset is in force
    light = cfg.dream.at(1.0, first_frame=False)
    assert light.lr == pytest.approx(0.14) and light.steps == 8 and light.octaves == 1
    assert cfg.dream.notes(Curves.for_render(cfg, None))  # the render log says so


def test_a_constant_lr_leaves_the_light_frames_their_own_and_a_keyframed_frame_lr_wins():
    plain = compose_config("dream.lr=0.05").dream.at(1.0, first_frame=False)
    assert plain.lr == 0.25 and plain.steps == 8  # the preset's light frames, as documented
    both = compose_config('dream.lr="0.04 + 0.1*t"', 'dream.frame_lr="0.2 + t"').dream
    assert both.at(1.0, first_frame=False).lr == pytest.approx(1.2)
    assert both.at(1.0, first_frame=True).lr == pytest.approx(0.14)


def test_the_light_frames_read_the_soundtrack_through_the_render_curves():
    cfg = compose_config('dream.lr="0.04 + 0.1*loud(t)"', "audio=song.wav")
    curves = Curves.for_render(cfg, ramp_signals())
    assert cfg.dream.at(1.0, first_frame=False, curves=curves).lr == pytest.approx(0.04 + 0.1 * 0.5)


def test_colour_strength_reads_the_soundtrack():
    cfg = ColourConfig(match="first", strength="0.5 + 0.5*loud(t)")
    curves = Curves({"colour": cfg}, ramp_signals())
    match = ColourMatch(cfg, fps=4.0, curves=curves)
    assert match.strength_at(0.0) == 0.5 and match.strength_at(2.0) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ('colour.strength="0:(0.5), 1:(2)"', "colour.strength"),
        ('dream.frame_steps="0:(6), 1:(0)"', "dream.frame_steps"),
        ('dream.lr="0:(0.1), 1:(-1)"', "dream.lr"),
        ('motion.zoom="0:(1), 1:(-1)"', "motion.zoom"),
        ('motion.focus_x="1/(1-t)"', "motion.focus_x"),
    ],
)
def test_every_key_is_checked_over_the_whole_video(override, key):
    cfg = compose_config("colour=first_hsv", override)  # frame 0 is fine: composing accepts it
    with pytest.raises(UserError, match=key.replace(".", r"\.")):
        Curves.for_render(cfg, None).check_over(4.0, 8)


def test_every_keyframable_key_is_read_and_music_keys_come_from_the_same_list():
    cfg = compose_config("audio=song.wav", *(f'{key}="0.5 + 0.1*onset(t)"' for key in KEYS))
    assert set(Curves.for_render(cfg, None).curves) == set(KEYS)
    assert set(cfg.music_keys) == set(KEYS)
