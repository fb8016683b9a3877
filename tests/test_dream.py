"""Stills: one dreamed image per layer and a captioned grid (the real CLI), and how `layers` resolves."""

import subprocess
import sys

import cv2
import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from pipeline.config import StillsConfig, register_configs, resolve_layers
from pipeline.dreamer.layers import conv_layer_names
from pipeline.errors import UserError
from pipeline.output.frames import read_png
from pipeline.run.stills import starting_image
from tests.conftest import CONF_DIR
from tests.test_cli import ROOT, _assert_one_line_error

TINY = [
    "model.weights=random",
    "precision=fp32",
    "width=64",
    "height=48",
    "dream.octaves=2",
    "dream.steps=2",
    "dream.jitter=4",
]


@pytest.fixture(autouse=True)
def _schemas():
    """The typed schemas the stills config names (the CLI registers them at import; run alone, here)."""
    register_configs()


def run_stills(*args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline.dream", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def photo(tmp_path):
    """A 100x80 colour gradient: an input whose size and aspect differ from the stills'."""
    y, x = np.mgrid[0:80, 0:100]
    bgr = np.dstack([x * 2.5, y * 3.0, np.full_like(x, 128)]).astype(np.uint8)
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), bgr)
    return path


@pytest.mark.slow
def test_three_layers_make_three_stills_and_a_grid(tmp_path, photo):
    run_dir = tmp_path / "run"
    layers = ["conv1_2", "conv2_1", "conv3_1"]
    result = run_stills(*TINY, f"input={photo}", f"layers=[{','.join(layers)}]", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    stills = [read_png(run_dir / f"{layer}.png") for layer in layers]
    assert all(still.shape == (48, 64, 3) for still in stills)
    assert np.abs(stills[0] - stills[2]).mean() > 1e-3  # each layer dreams its own picture
    grid = cv2.imread(str(run_dir / "grid.jpg"))
    # The input and three stills in one row; each tile 320 px wide (64x48 scaled up: 320x240) over a
    # 24 px caption band.
    assert grid.shape == (240 + 24, 4 * 320, 3)
    log = (run_dir / "stills.log").read_text()
    assert all(f"{layer}: objective" in log for layer in layers)


@pytest.mark.slow
def test_unknown_layer_is_one_line(tmp_path):
    result = run_stills(*TINY, "layers=[conv3_1,conv9_9]", f"hydra.run.dir={tmp_path}")
    _assert_one_line_error(result, "layers", "conv9_9", "conv5_4")
    assert not list(tmp_path.glob("*.png"))


def test_all_is_the_16_conv_layers_shallow_to_deep():
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose(config_name="stills", overrides=["layers=all", "model.weights=random"])
    names = OmegaConf.to_object(cfg).layer_names
    assert names == conv_layer_names() and len(names) == 16
    assert names[0] == "conv1_1" and names[-1] == "conv5_4"


def test_one_name_or_a_list_in_order_without_repeats():
    assert resolve_layers("conv4_2") == ["conv4_2"]
    assert resolve_layers(["conv5_1", "conv3_2", "conv5_1"]) == ["conv5_1", "conv3_2"]


@pytest.mark.parametrize("bad", [[], ["conv3_1", "all"], ["conv9_9"], 5])
def test_bad_layers_say_what_is_valid(bad):
    with pytest.raises(UserError, match="layers"):
        resolve_layers(bad)


@pytest.mark.parametrize(
    ("width", "height", "shape"),
    [(0, 0, (80, 100)), (50, 0, (40, 50)), (0, 40, (40, 50)), (64, 48, (48, 64))],
)
def test_size_is_the_inputs_unless_set(photo, width, height, shape):
    frame = starting_image(StillsConfig(input=str(photo), width=width, height=height))
    assert frame.shape == (*shape, 3) and frame.dtype == np.float32


@pytest.mark.parametrize(
    "network, default, count",
    [("vgg19", ["conv3_2", "conv4_2", "conv5_1"], 16),
     ("googlenet", ["inception3b", "inception4c", "inception4e"], 12),
     ("inception_v3", ["Mixed_5d", "Mixed_6a", "Mixed_6c"], 16)],
)  # fmt: skip
def test_default_and_all_layers_are_the_chosen_networks(network, default, count):
    def layers(*overrides):
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose(
                config_name="stills", overrides=[f"model={network}", "model.weights=random", *overrides]
            )
        return OmegaConf.to_object(cfg).layer_names

    assert layers() == default and len(layers("layers=all")) == count
    assert (
        layers("model.weights=standin", "layers=all")[-1] == "Mixed_6c" if network == "inception_v3" else True
    )
