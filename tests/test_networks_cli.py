"""End to end, per network (issue 22): renders with a guide, stills, the channel grid, a resume that repeats
the uninterrupted frames byte for byte, and the mistakes a network makes possible, through the real CLI with
seeded random weights on tiny frames."""

import cv2
import numpy as np
import pytest

from pipeline.output.manifest import read_manifest
from pipeline.output.video import probe
from tests.test_cli import _assert_one_line_error, run_cli
from tests.test_dream import run_stills

pytestmark = pytest.mark.slow
TINY = ["model.weights=random", "precision=fp32", "dream.octaves=2", "dream.steps=2", "dream.jitter=4"]
# (frame size, a layer to dream, two for the stills): Inception v3's Mixed_6a needs 43 px at the smallest
# octave (64 / 1.4 = 46); VGG19's conv4_2 8 px and GoogLeNet's inception4c 15.
NETWORKS = {
    "vgg19": ((64, 48), "conv4_2", ["conv3_1", "conv4_2"]),
    "googlenet": ((64, 48), "inception_4c", ["inception3b", "inception4c"]),
    "inception_v3": ((96, 64), "mixed3", ["Mixed_5d", "Mixed_6a"]),
}
RENDER = ["frames=4", "cadence=1", "layer_schedule=single", "video.preset=ultrafast", "contact_sheet=false"]


def _size(network: str) -> list[str]:
    (width, height), _, _ = NETWORKS[network]
    return [f"width={width}", f"height={height}"]


def _settings(network: str) -> list[str]:
    return [
        f"model={network}",
        *TINY,
        *_size(network),
        *RENDER,
        f"layer_schedule.layer={NETWORKS[network][1]}",
    ]


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    path = tmp_path_factory.mktemp("guide") / "guide.png"
    y, x = np.mgrid[0:40, 0:40]
    cv2.imwrite(str(path), np.dstack([(x * 6) % 255, (y * 6) % 255, ((x + y) * 3) % 255]).astype(np.uint8))
    return path


@pytest.fixture(scope="module", params=list(NETWORKS))
def guided_run(request, tmp_path_factory, guide):
    """A finished, guided 4-frame render of each network."""
    network, run_dir = request.param, tmp_path_factory.mktemp(f"guided_{request.param}")
    result = run_cli(*_settings(network), f"dream.guide={guide}", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr
    return network, run_dir


def test_each_network_renders_a_guided_video(guided_run):
    network, run_dir = guided_run
    info = probe(run_dir / "dream.mp4")
    assert info["frames"] == 4 and tuple(info["size"]) == NETWORKS[network][0]
    records = read_manifest(run_dir)
    assert len(records) == 4 and all(-1 <= record["guide_similarity"] <= 1 for record in records)
    log = (run_dir / "render.log").read_text()
    title = {"vgg19": "VGG19", "googlenet": "GoogLeNet", "inception_v3": "Inception v3"}[network]
    assert f"dreaming with {title} on cpu (float32)" in log


def test_each_network_resumes_byte_identically(guided_run, guide, tmp_path):
    """Half the frames, then resume to all of them: the same PNGs as the render never interrupted."""
    network, whole = guided_run
    run_dir = tmp_path / "run"
    half = [s if s != "frames=4" else "frames=2" for s in _settings(network)]
    assert run_cli(*half, f"dream.guide={guide}", f"hydra.run.dir={run_dir}").returncode == 0
    result = run_cli(f"resume={run_dir}", "frames=4")
    assert result.returncode == 0, result.stderr
    for index in range(4):
        name = f"frames/{index:06d}.png"
        assert (run_dir / name).read_bytes() == (whole / name).read_bytes(), (network, name)


@pytest.mark.parametrize("network", list(NETWORKS))
def test_each_network_dreams_stills_and_a_channel_grid(network, tmp_path):
    (width, height), layer, layers = NETWORKS[network]
    run_dir, size = tmp_path / "stills", _size(network)
    result = run_stills(
        f"model={network}", *TINY, *size, f"layers=[{','.join(layers)}]", f"hydra.run.dir={run_dir}"
    )
    assert result.returncode == 0, result.stderr
    stills = [cv2.imread(str(run_dir / f"{name}.png")) for name in layers]
    assert all(still.shape[:2] == (height, width) for still in stills)
    assert np.abs(stills[0].astype(int) - stills[1]).mean() > 0.1  # each layer dreams its own picture
    channels = tmp_path / "channels"
    result = run_stills(f"model={network}", *TINY, *size, f"layers={layer}", "channels=0-2",
                        f"hydra.run.dir={channels}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in channels.glob("*.png")) == [f"{layer}_c{c}.png" for c in range(3)]
    assert (channels / "grid.jpg").is_file()


def test_layers_all_dreams_every_googlenet_layer(tmp_path):
    result = run_stills("model=googlenet", *TINY, "width=48", "height=32", "dream.octaves=1", "layers=all",
                        f"hydra.run.dir={tmp_path}")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.png"))) == 12 and (tmp_path / "inception5b.png").is_file()


@pytest.mark.parametrize(
    "command, settings, fragments",
    [
        ("render", ["model=googlenet", "layer_schedule=single", "layer_schedule.layer=conv4_2"],
         ["unknown GoogLeNet layer 'conv4_2'", "inception5b", "deep_googlenet"]),
        ("render", ["model=googlenet", "layer_schedule=cycle"],
         ["conv3_1 is a VGG19 layer", "deep_googlenet"]),
        ("stills", ["model=inception_v3", "layers=Mixed_6a", "channels=[767,768]"],
         ["Inception v3's Mixed_6a has channels 0..767", "[768]"]),
        ("stills", ["model=inception_v3", "model.weights=standin", "layers=mixed8"],
         ["past the trained stand-in"]),
        ("render", ["model=inception_v3", "width=96", "height=64", "layer_schedule=single",
                    "layer_schedule.layer=Mixed_7c"],
         ["Inception v3's Mixed_7c needs at least 75 px", "octaves"]),
        ("render", ["model=resnet50"],
         ["model=resnet50: there is no such preset", "googlenet, inception_v3, vgg19"]),
    ],
)  # fmt: skip
def test_what_a_network_does_not_have_is_one_line_and_exit_2(command, settings, fragments, tmp_path):
    args = [*TINY, *settings, f"hydra.run.dir={tmp_path}"]
    result = run_cli("frames=2", *args) if command == "render" else run_stills(*args)
    _assert_one_line_error(result, *fragments)
    assert not list(tmp_path.glob("**/*.png"))
