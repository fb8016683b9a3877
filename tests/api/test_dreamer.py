"""pipeline.Dreamer: dreams, stills and grid as arrays, with the stills command's settings and mistakes."""

import cv2
import numpy as np
import pytest

import pipeline
from pipeline.dreamer import load as weights
from pipeline.errors import UserError
from tests.api.conftest import NETWORK, SMALL, cli, cli_mistake

FAST = {"octaves": 1, "steps": 1, "jitter": 4}  # where no command's output is compared
TINY_CLI = ["model.weights=random", "precision=fp32", "dream.octaves=2", "dream.steps=2", "dream.jitter=4"]


@pytest.fixture
def photo_file(tmp_path, photo):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), photo[:, :, ::-1])
    return path


def test_a_dream_is_an_8_bit_picture_of_the_input_and_repeats_exactly(dreamer, photo):
    dreamed = dreamer.dream(photo, layers="conv3_1", **FAST)
    assert isinstance(dreamed, pipeline.DreamImage) and dreamed.shape == photo.shape
    assert np.abs(dreamed.astype(int) - photo).mean() > 1  # it dreamed
    assert (dreamer.dream(photo / 255.0, layers="conv3_1", **FAST) == dreamed).all()  # float in: the same


def test_sizes_paths_and_noise_as_the_stills_command(dreamer, photo, photo_file):
    from_file = dreamer.dream(photo_file, layers="conv2_1", width=32, **FAST)
    assert from_file.shape == (24, 32, 3)  # the aspect kept
    assert (dreamer.dream(photo, layers="conv2_1", width=32, **FAST) == from_file).all()
    assert dreamer.dream(layers="conv2_1", width=40, height=30, **FAST).shape == (30, 40, 3)  # noise


def test_weights_channels_and_a_guide_change_what_dreams(dreamer, photo, photo_file):
    alone = dreamer.dream(photo, layers="conv2_1", **FAST)
    weighted = dreamer.dream(photo, layers={"conv2_1": 1.0, "conv3_1": 0.0}, **FAST)
    assert (weighted == alone).all()  # weight 0: not dreamed
    assert not (dreamer.dream(photo, layers=["conv2_1", "conv3_1"], **FAST) == alone).all()
    assert not (dreamer.dream(photo, layers="conv2_1", channels=[1, 2], **FAST) == alone).all()
    assert not (dreamer.dream(photo, layers="conv2_1", guide=photo_file, **FAST) == alone).all()


def test_stills_per_layer_and_per_channel_and_their_grid(dreamer, photo):
    stills = dreamer.stills(photo, layers=["conv2_1", "conv3_1"], **FAST)
    assert list(stills) == ["conv2_1", "conv3_1"]
    assert (stills["conv3_1"] == dreamer.dream(photo, layers="conv3_1", **FAST)).all()
    assert list(dreamer.stills(photo, layers="conv3_1", channels="0-1", **FAST)) == [
        "conv3_1_c0",
        "conv3_1_c1",
    ]
    grid = dreamer.grid(photo, stills)
    assert isinstance(grid, pipeline.DreamImage) and grid.shape == (240 + 24, 3 * 320, 3)
    with pytest.raises(UserError, match="pass stills or the stills' settings, not both"):
        dreamer.grid(photo, stills, octaves=2)
    with pytest.raises(UserError, match="stills is empty"):
        dreamer.grid(photo, {})


def test_a_deeper_layer_cuts_the_network_deeper_and_release_frees_it(photo):
    dreamer = pipeline.Dreamer(overrides=NETWORK, quiet=True)
    assert dreamer._kept.depth == "conv5_1"  # the stills' default layers
    dreamed = dreamer.dream(photo, layers="conv5_2", **FAST)
    assert dreamer._kept.depth == "conv5_2"
    dreamer.release()
    assert dreamer._kept.network is None and not weights._LAST_LOADED
    assert (dreamer.dream(photo, layers="conv5_2", **FAST) == dreamed).all()  # loaded again, the same
    with pipeline.Dreamer(overrides=NETWORK, quiet=True) as kept:
        kept.dream(photo, layers="conv1_1", **FAST)
    assert kept._kept.network is None


def test_the_networks_own_settings_stay_the_dreamers(dreamer, photo):
    with pytest.raises(
        UserError, match=r"seed is set when a Dreamer is made: .*pipeline.Dreamer\(seed=...\)"
    ):
        dreamer.dream(photo, overrides={"seed": 3})


def test_a_bar_counts_the_steps_unless_quiet(dreamer, photo, capsys):
    dreamer.dream(photo, layers="conv1_1", **FAST)
    assert "conv1_1" not in capsys.readouterr().err
    dreamer.quiet = False
    try:
        dreamer.dream(photo, layers="conv1_1", **FAST)
    finally:
        dreamer.quiet = True
    assert "conv1_1:" in capsys.readouterr().err  # the bar of its 1 octave x 1 step


@pytest.mark.slow
def test_stills_are_the_stills_commands_pngs(dreamer, photo_file, tmp_path):
    run = tmp_path / "run"
    result = cli(
        "dream", *TINY_CLI, f"input={photo_file}", "layers=[conv2_1,conv3_1]", f"hydra.run.dir={run}"
    )
    assert result.returncode == 0, result.stderr
    stills = dreamer.stills(photo_file, layers=["conv2_1", "conv3_1"], **SMALL)
    for name, still in stills.items():
        assert (cv2.imread(str(run / f"{name}.png"))[:, :, ::-1] == still).all()
    written = cv2.imread(str(run / "grid.jpg"))[:, :, ::-1]
    grid = dreamer.grid(photo_file, stills)
    assert grid.shape == written.shape and np.abs(grid.astype(int) - written).mean() < 2  # JPEG's loss


@pytest.mark.slow
@pytest.mark.parametrize(
    ("call", "cli_args"),
    [
        (lambda d, p, f: d.dream(p, layers="conv9_1"), ["layers=[conv9_1]"]),
        (lambda d, p, f: d.dream(p, octaves=0), ["dream.octaves=0"]),
        (lambda d, p, f: d.dream(p, overrides={"dream.octavs": 3}), ["dream.octavs=3"]),
        (lambda d, p, f: d.stills(p, channels=[1, 2]), ["channels=[1,2]"]),
        (lambda d, p, f: d.dream(f.with_name("missing.png")), ["input={missing}"]),
        (lambda d, p, f: d.dream(f, octaves=8), ["input={photo}", "dream.octaves=8", *TINY_CLI[:2]]),
        (lambda d, p, f: pipeline.Dreamer(precision="fp64"), ["precision=fp64"]),
    ],
)
def test_a_mistake_is_the_stills_commands_line(dreamer, photo, photo_file, tmp_path, call, cli_args):
    paths = {"missing": photo_file.with_name("missing.png"), "photo": photo_file}
    args = [arg.format(**paths) for arg in cli_args]
    with pytest.raises(UserError) as raised:
        call(dreamer, photo, photo_file)
    assert str(raised.value) == cli_mistake("dream", *args, f"hydra.run.dir={tmp_path / 'run'}")
