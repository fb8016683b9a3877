from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

from pipeline.errors import UserError
from tests.conftest import CONF_DIR, compose_config


def _presets(group):
    return sorted(path.stem for path in (CONF_DIR / group).glob("*.yaml"))


def test_presets_exist():
    assert "deep" in _presets("layer_schedule") and "zoom" in _presets("motion")


@pytest.mark.parametrize("preset", _presets("layer_schedule"))
def test_every_layer_schedule_composes(preset):
    cfg = compose_config(f"layer_schedule={preset}")
    assert cfg.layer_schedule.deepest_layer()


@pytest.mark.parametrize("preset", _presets("motion"))
def test_every_motion_preset_composes(preset):
    cfg = compose_config(f"motion={preset}")
    assert float(cfg.motion.zoom.split(":")[-1].strip("() ")) > 0 or ":" in cfg.motion.zoom


def test_defaults_are_the_documented_ones():
    cfg = compose_config()
    assert cfg.model.weights == "random"  # TINY
    assert cfg.device == "auto" and cfg.fps == 24.0
    default = Path(CONF_DIR / "render.yaml").read_text()
    assert "layer_schedule: deep" in default and "motion: zoom" in default


def test_preset_stages_hold_exactly_their_own_layers():
    from pipeline.animation.schedule import LayerSchedule

    cfg = compose_config("layer_schedule=deep", "frames=10")
    assert LayerSchedule(cfg.layer_schedule, cfg.fps, 10).weights_at(0) == {"conv3_1": 1.0}


def test_single_layer_from_the_command_line():
    cfg = compose_config("layer_schedule=single", "layer_schedule.layer=conv3_2")
    assert cfg.layer_schedule.deepest_layer() == "conv3_2"


def test_typo_fails_at_compose_time():
    with pytest.raises(ConfigCompositionException):
        compose_config("dream.octavs=3")


def test_wrong_type_fails_at_compose_time():
    with pytest.raises((ConfigCompositionException, ValidationError)):
        compose_config("width=wide")


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("width=65", "even"),
        ("height=-2", "height"),
        ("frames=0", "frames"),
        ("fps=0", "fps"),
        ("device=gpu", "device"),
        ("dream.octave_scale=0.9", "octave_scale"),
        ("layer_schedule.layer=conv6_1", "conv6_1"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(override, fragment):
    with pytest.raises(UserError, match=fragment):
        compose_config(override)


def _all_presets():
    return [f"{group}={name}" for group in ("layer_schedule", "motion") for name in _presets(group)]


@pytest.mark.parametrize("preset", _all_presets())
def test_every_preset_renders_two_tiny_frames(preset, tmp_path):
    from pipeline.output.video import probe
    from pipeline.render import render

    cfg = compose_config(preset, "frames=2")
    path = render(cfg, tmp_path)
    assert probe(path)["frames"] == 2
    assert len(list((tmp_path / "frames").glob("*.png"))) == 2


def test_issue_presets_are_all_there():
    assert {"single", "shallow", "deep", "all_layers", "cycle"} <= set(_presets("layer_schedule"))
    assert {"still", "zoom", "zoom_rotate", "spiral", "drift"} <= set(_presets("motion"))
