"""Keyword arguments become the CLI's overrides, and compose to the values the Python caller meant."""

from pathlib import Path

import numpy as np
import pytest

from pipeline.api.settings import checked, compose, literal, override_list
from pipeline.errors import UserError


def test_keywords_sections_and_override_dicts_become_override_strings():
    assert override_list({"dream.octaves": 2}, frames=48, motion="zoom", dream={"steps": 4}) == [
        "dream.octaves=2",
        "frames=48",
        "motion=zoom",
        "dream.steps=4",
    ]
    assert override_list(["motion=spiral", "+extra=1"]) == ["motion=spiral", "+extra=1"]
    assert override_list() == []


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (None, "null"),
        (True, "true"),
        (3, "3"),
        (np.int64(3), "3"),
        (np.float32(0.5), "0.5"),
        ("zoom", "zoom"),
        ("null", '"null"'),  # the word, not None
        (Path("/a b/c.png"), '"/a b/c.png"'),
        (["conv3_2", "conv4_2"], "[conv3_2,conv4_2]"),
        (np.array([12, 97]), "[12,97]"),
        ({"conv4_2": 1.0}, "{conv4_2:1.0}"),
    ],
)
def test_python_values_in_hydras_grammar(value, written):
    assert literal(value, "key") == written


@pytest.mark.parametrize(
    "text",
    ["0:(1.02), 100:(1.05)", "it's", 'say "hi"', "ends with \\", "${not_an_interpolation}", "a,b", "null"],
)
def test_strings_compose_back_exactly(text):
    composed = compose("render", override_list(input=text, motion={"zoom": text}))
    assert composed.input == text and composed.motion.zoom == text


def test_settings_compose_as_on_the_command_line():
    cfg = checked(compose("render", override_list(frames=48, motion="spiral", dream={"octaves": 2})))
    assert (cfg.frames, cfg.dream.octaves, type(cfg).__name__) == ("48", 2, "RenderConfig")
    assert cfg.motion == checked(compose("render", ["frames=48", "motion=spiral"])).motion


def test_what_is_not_a_setting_is_one_line():
    with pytest.raises(UserError, match="frames: object values are not settings"):
        override_list(frames=object())
    with pytest.raises(UserError, match="overrides must be a dict"):
        override_list("frames=3")
    with pytest.raises(UserError, match="command-line flags are not settings"):
        compose("render", ["--cfg", "job"])
