"""Settings that take one of a few names are Enum fields: Hydra refuses anything else while composing, and
the mistake is one line naming the setting and every choice; a member reads, compares and prints as its
plain name, so the code and the record (.hydra/config.yaml) see what the user typed."""

import pytest
from omegaconf import OmegaConf

from pipeline.animation.motion_config import Border
from pipeline.cli.compose import compose_command_line
from pipeline.errors import UserError
from pipeline.output.video_config import X264Preset

CHOICES = {
    "motion.border": "reflect, replicate, wrap",
    "coherence.mode": "none, blend, flow",
    "coherence.preset": "ultrafast, fast, medium, fine",
    "video.preset": "ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow",
    "layer_schedule.unit": "seconds, frames, fraction, beats, bars",
    "colour.match": "none, first, image, auto",
    "colour.space": "lab, hsv, rgb",
    "colour.method": "meanstd, histogram",
}


@pytest.mark.parametrize("key", sorted(CHOICES))
def test_a_name_that_is_not_a_choice_is_one_line_listing_them(key):
    with pytest.raises(UserError) as caught:
        compose_command_line("render", [f"{key}=nope"])
    assert str(caught.value) == f"{key}=nope: not a choice; {key} is one of {CHOICES[key]}"


@pytest.mark.parametrize("key", sorted(CHOICES))
def test_every_choice_composes_and_is_recorded_as_typed(key):
    last = CHOICES[key].split(", ")[-1]
    composed = compose_command_line("render", [f"{key}={last}"])
    assert OmegaConf.select(composed, key) == last
    assert f"{key.rpartition('.')[2]}: {last}" in OmegaConf.to_yaml(composed)


def test_a_member_is_its_plain_name():
    assert Border.wrap == "wrap" and str(Border.wrap) == "wrap" and f"{Border.wrap}" == "wrap"
    assert f"{X264Preset.veryslow:>9}" == " veryslow" and {"wrap": 1}[Border.wrap] == 1
