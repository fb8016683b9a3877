from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ValidationError

from pipeline.animation.keyframes import parse_keyframes
from pipeline.config import register_configs
from pipeline.errors import UserError
from tests.conftest import CONF_DIR, NETWORK_TINY, compose_config, network_of_preset


def _presets(group):
    return sorted(path.stem for path in (CONF_DIR / group).glob("*.yaml"))


def test_presets_exist():
    assert "deep" in _presets("layer_schedule") and "zoom" in _presets("motion")


MUSIC_PRESETS = {"layer_schedule=bars", "motion=pulse"}  # they read the soundtrack: audio=... needed


def _with_audio(preset, track):
    """The preset, with the soundtrack it reads and the network its layers belong to."""
    network = NETWORK_TINY[network_of_preset(preset)]
    return [preset, f"audio={track}", *network] if preset in MUSIC_PRESETS else [preset, *network]


@pytest.mark.parametrize("preset", _presets("layer_schedule"))
def test_every_layer_schedule_composes(preset, click_wav):
    cfg = compose_config(*_with_audio(f"layer_schedule={preset}", click_wav))
    assert cfg.layer_schedule.deepest_layer()
    assert cfg.model.network.knows(cfg.layer_schedule.deepest_layer())


@pytest.mark.parametrize("preset", _presets("motion"))
def test_every_motion_preset_composes(preset, click_wav):
    cfg = compose_config(*_with_audio(f"motion={preset}", click_wav))
    assert parse_keyframes(cfg.motion.zoom)(0.0) > 0


@pytest.mark.parametrize("preset", sorted(MUSIC_PRESETS))
def test_music_presets_without_audio_name_the_setting(preset):
    with pytest.raises(UserError, match="audio=") as error:
        compose_config(preset)
    assert preset.split("=")[0] in str(error.value) and "\n" not in str(error.value)


def test_defaults_are_the_documented_ones():
    cfg = compose_config()
    assert cfg.model.weights == "random"  # TINY
    assert cfg.device == "auto" and cfg.fps == 24.0
    default = Path(CONF_DIR / "render.yaml").read_text()
    assert "layer_schedule: deep_${model}" in default and "motion: zoom" in default
    assert "model: vgg19" in default and cfg.model.name.value == "vgg19"


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
        ("music.half_life=0", "music.half_life"),
        ("music.beats_per_bar=0", "music.beats_per_bar"),
        ('motion.zoom="1 + beat(t, 1, 2)"', "beat()"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(override, fragment):
    with pytest.raises(UserError, match=fragment):
        compose_config(override)


def _all_presets():
    return [f"{group}={name}" for group in ("layer_schedule", "motion") for name in _presets(group)]


@pytest.mark.parametrize("preset", _all_presets())
def test_every_preset_renders_two_tiny_frames(preset, tmp_path, click_wav):
    from pipeline.output.video import probe
    from pipeline.render import render

    cfg = compose_config(*_with_audio(preset, click_wav), "frames=2")
    path = render(cfg, tmp_path)
    assert probe(path)["frames"] == 2
    assert len(list((tmp_path / "frames").glob("*.png"))) == 2


def test_issue_presets_are_all_there():
    assert {"single", "shallow", "deep", "all_layers", "cycle"} <= set(_presets("layer_schedule"))
    assert {"still", "zoom", "zoom_rotate", "spiral", "drift"} <= set(_presets("motion"))
    assert {"layer_schedule=bars", "motion=pulse"} <= set(_all_presets())


@pytest.mark.parametrize(
    "network, dive, deepest", [("vgg19", "deep", "conv5_2"), ("googlenet", "deep_googlenet", "inception5a"),
                               ("inception_v3", "deep_inception_v3", "Mixed_6c")]
)  # fmt: skip
def test_each_network_dives_through_its_own_layers_by_default(network, dive, deepest):
    """model=X alone composes: the default schedule is deep_${model} (deep_vgg19 is deep)."""
    cfg = compose_config(*NETWORK_TINY[network])
    assert cfg.model.name.value == network and cfg.layer_schedule.deepest_layer() == deepest
    assert (
        cfg.layer_schedule.stages
        == compose_config(f"layer_schedule={dive}", *NETWORK_TINY[network]).layer_schedule.stages
    )


@pytest.mark.parametrize("preset", ["deep", "cycle", "single", "bars"])
def test_a_vgg19_preset_under_googlenet_is_one_line_naming_its_presets(preset, click_wav):
    with pytest.raises(UserError) as caught:
        compose_config(*_with_audio(f"layer_schedule={preset}", click_wav), "model=googlenet")
    message = str(caught.value)
    assert "\n" not in message and "unknown GoogLeNet layer" in message and "is a VGG19 layer" in message
    assert message.endswith("GoogLeNet's layer_schedule presets: deep_googlenet")


def test_layers_are_checked_against_the_chosen_network_at_compose_time():
    assert compose_config("model=inception_v3", "layer_schedule=single", "layer_schedule.layer=mixed3",
                          "width=96", "height=64").layer_schedule.deepest_layer() == "mixed3"  # fmt: skip
    with pytest.raises(UserError, match="layer_schedule.layer: unknown Inception v3 layer 'inception4c'"):
        compose_config("model=inception_v3", "layer_schedule=single", "layer_schedule.layer=inception4c")
    with pytest.raises(UserError, match="Mixed_7a lies past the trained stand-in's ImageNet layers"):
        compose_config("model=inception_v3", "model.weights=standin", "layer_schedule=single",
                       "layer_schedule.layer=Mixed_7a")  # fmt: skip
    assert (
        compose_config("model=inception_v3", "model.weights=standin").layer_schedule.deepest_layer()
        == "Mixed_6c"
    )
    with pytest.raises(UserError, match="model.weights=standin is a trained Inception v3"):
        compose_config("model=googlenet", "model.weights=standin")


def test_schedule_channels_are_checked_against_the_networks_layer():
    from pipeline.animation.schedule import LayerScheduleConfig, StageConfig
    from pipeline.dreamer.settings import ModelConfig

    schedule = LayerScheduleConfig(stages=[StageConfig(0.0, {"inception_4c:3,600": 1.0})])
    refusal = r"stages\[0\]\.layers\.inception_4c:3,600: GoogLeNet's inception_4c has channels 0..511"
    with pytest.raises(UserError, match=refusal):
        schedule.check_layers(ModelConfig(name="googlenet"))
    LayerScheduleConfig(stages=[StageConfig(0.0, {"inception_4c:3,511": 1.0})]).check_layers(
        ModelConfig(name="googlenet")
    )


@pytest.mark.parametrize("network, lr", [("vgg19", "0.09"), ("googlenet", "0.09"), ("inception_v3", "0.045")])
def test_each_network_brings_its_own_step_size_and_the_command_line_still_wins(network, lr):
    """model=inception_v3 sets dream.lr to the stand-in's measured 0.045 (docs/quality.md); dream.lr= on
    the command line beats it, dream=full still clears the light frames, and the stills get it too."""
    assert compose_config(*NETWORK_TINY[network]).dream.lr == lr
    assert compose_config(*NETWORK_TINY[network], "dream.lr=0.2").dream.lr == "0.2"
    full = compose_config(*NETWORK_TINY[network], "dream=full")
    assert (full.dream.lr, full.dream.frame_lr, str(full.cadence)) == (lr, None, "1")
    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        stills = compose(config_name="stills", overrides=[f"model={network}"])
    assert stills.dream.lr == lr
