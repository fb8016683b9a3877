"""Every user mistake: one line on stderr naming the problem, a non-zero exit, no traceback, nothing lost."""

import pytest
import torch

from tests.test_cli import TINY, _assert_one_line_error, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "notes.txt").write_text("not an image")
    torch.save({"conv1.weight": torch.zeros(2, 3, 7, 7)}, folder / "resnet.pth")
    (folder / "cut.pth").write_bytes(b"PK\x03\x04 truncated")
    torch.save([1, 2, 3], folder / "list.pth")
    return folder


# One case per code path a mistake can surface from (config conversion, input loading, weights loading,
# device and pyramid checks at render start); test_config, test_weights and test_dream cover every value
# in-process.
CASES = {
    "input is not an image": (["input={f}/notes.txt"], ["notes.txt", "not an image"]),
    "unknown layer": (["layer_schedule=single", "layer_schedule.layer=conv6_2"], ["conv6_2", "conv5_4"]),
    "odd height": (["height=47"], ["height", "even", "height=48"]),
    "zero steps": (["dream.steps=0"], ["dream.steps"]),
    "negative zoom": (["motion.zoom=-1.1"], ["motion.zoom"]),
    "pyramid too small": (["width=32", "height=24", "dream.octaves=4"], ["dream.octaves=", "conv5"]),
    # 40 px at 2 octaves is 29 px, too small for pool5's 32: a UserError, not a RuntimeError traceback
    "pyramid too small for pool5": (
        ["layer_schedule=single", "layer_schedule.layer=pool5", "width=48", "height=40"],
        ["pool5 needs at least 32 px", "dream.octaves=1"],
    ),
    "weights truncated": (["model.weights={f}/cut.pth"], ["model.weights", "cut.pth"]),
    "weights of another network": (["model.weights={f}/resnet.pth"], ["does not fit VGG19"]),
    "weights fail sha256": (["model.weights={f}/list.pth", f"model.sha256={'0' * 64}"], ["SHA-256"]),
    "unknown device": (["device=tpu"], ["device", "cuda:N"]),
    "bad keyframes": (['motion.angle="0:(1), x:(2)"'], ["motion.angle", "keyframe"]),
    "missing audio": (["audio={f}/song.mp3"], ["audio", "song.mp3"]),
}
if not torch.cuda.is_available():
    CASES["cuda where there is none"] = (["device=cuda"], ["device=cuda", "no CUDA device"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(case, files, tmp_path):
    overrides, fragments = CASES[case]
    overrides = [override.format(f=files) for override in overrides]
    keys = {override.partition("=")[0] for override in overrides}
    args = [arg for arg in [*TINY, "frames=2"] if arg.partition("=")[0] not in keys] + overrides
    result = run_cli(*args, f"hydra.run.dir={tmp_path / 'run'}")
    _assert_one_line_error(result, *fragments)
    assert not list((tmp_path / "run").glob("frames/*.png"))


def test_unwritable_run_directory():
    result = run_cli(*TINY, "hydra.run.dir=/proc/pipeline-cannot-write-here")
    _assert_one_line_error(result, "/proc/pipeline-cannot-write-here", "hydra.run.dir")
