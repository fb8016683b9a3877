"""The stand-in InceptionV3: it matches TensorFlow.js's outputs, only with Keras's average pools, and every
way of failing to make it is one line with nothing left in the cache."""

import stat

import pytest
import torch
import torch.nn.functional as F
from torchvision.models.inception import BasicConv2d

import pipeline.dreamer.standin as standin
from pipeline.dreamer.standin import (
    STANDIN_DEEPEST,
    check_standin_layer,
    keras_average_pools,
    load_standin_state_dict,
    make_standin,
    read_standin_file,
    standin_path,
)
from pipeline.dreamer.standin_fetch import PackageUnavailable, convert_package, npm_complaint
from pipeline.dreamer.standin_net import STANDIN_LAYERS, KerasPoolConv, inception3
from pipeline.dreamer.standin_verify import TOLERANCE, reference_differences, standin_model, verify
from pipeline.errors import UserError
from tests.standin_fixture import nsfwjs_tarball, standin_file  # noqa: F401


@pytest.fixture(scope="module")
def standin_state(standin_file):  # noqa: F811
    return read_standin_file(standin_file)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A fresh $TORCH_HOME: what a failed make leaves behind is all that is in it."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    return tmp_path / "torch"


def _cached_files(torch_home):
    return sorted(p.name for p in torch_home.rglob("*") if p.is_file())


def _one_line(error) -> str:
    message = str(error.value)
    assert message and "\n" not in message
    return message


def test_the_standin_matches_the_tensorflow_js_reference(standin_state):
    differences = reference_differences(standin_model(standin_state))
    assert max(differences.values()) <= TOLERANCE, differences


def test_without_keras_average_pools_the_reference_check_fails(standin_state):
    model = standin_model(standin_state, keras_pools=False)
    differences = reference_differences(model)
    assert max(differences.values()) > TOLERANCE, differences
    # the interiors agree: the centre pixel of the first blocks is far from any border
    assert differences["Mixed_5b_centre_pixel"] <= TOLERANCE
    with pytest.raises(UserError, match="does not match the TensorFlow.js reference"):
        verify(model)


def test_the_cached_features_load_into_torchvision_inception3(standin_file):  # noqa: F811
    state = load_standin_state_dict()
    model = inception3()
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["fc.weight", "fc.bias"] and unexpected == []
    assert all(value.dtype in (torch.float32, torch.int64) for value in state.values())
    assert torch.equal(state["Mixed_5b.branch_pool.bn.weight"], torch.ones(32))  # Keras: scale=False


def test_keras_average_pools_keeps_the_state_dict_and_averages_inside_the_image():
    model = inception3()
    keys = list(model.state_dict())
    keras_average_pools(model)
    keras_average_pools(model)  # a second call changes nothing
    assert list(model.state_dict()) == keys
    pooled = [name for name, module in model.named_modules() if isinstance(module, KerasPoolConv)]
    # InceptionA, C and E; B (Mixed_6a) and D (Mixed_7a) max-pool
    avg_pooled = [f"Mixed_{n}" for n in ("5b", "5c", "5d", "6b", "6c", "6d", "6e", "7b", "7c")]
    assert [name.split(".")[0] for name in pooled] == avg_pooled
    x = torch.rand(2, 3, 7, 5)
    torchvision_average = F.avg_pool2d(x, 3, stride=1, padding=1)  # what InceptionA/C/E compute
    keras_average = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    corrected = torchvision_average * model.Mixed_5b.branch_pool.rescale(torchvision_average)
    torch.testing.assert_close(corrected, keras_average)


def test_a_rescale_made_under_inference_mode_still_lets_gradients_through():
    pool_conv = KerasPoolConv(BasicConv2d(4, 2, kernel_size=1)).eval()
    x = torch.rand(1, 4, 9, 9)
    with torch.inference_mode():  # e.g. a size probe before the first dream
        pool_conv(x)
    x.requires_grad_(True)
    pool_conv(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_only_the_frozen_layers_may_be_dreamed():
    names = [name for name, _ in inception3().named_children()]
    assert tuple(names[: names.index(STANDIN_DEEPEST) + 1]) == STANDIN_LAYERS
    for name in [*STANDIN_LAYERS, "mixed5", "Mixed_6c.branch1x1"]:
        check_standin_layer(name)
    for name in ["Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "mixed6", "mixed9_1", "mixed10",
                 "Mixed_7c.branch_pool", "fc"]:  # fmt: skip
        with pytest.raises(UserError) as error:
            check_standin_layer(name)
        assert "fine-tuned for nsfwjs's classifier" in _one_line(error) and "Mixed_6c" in str(error.value)


def test_the_cache_lives_under_torch_home(empty_cache):
    assert standin_path() == empty_cache / "hub" / "checkpoints" / "inception_v3_standin_nsfwjs-4.4.0.pth"


def test_a_standin_not_made_yet_says_how_to_make_it(empty_cache):
    with pytest.raises(UserError) as error:
        load_standin_state_dict()
    assert "not made yet: run python -m pipeline.weights standin" in _one_line(error)


def test_an_unreadable_cached_file_is_refused_and_remade_rather_than_used(empty_cache, monkeypatch):
    standin_path().parent.mkdir(parents=True)
    standin_path().write_bytes(b"not a state dict")
    with pytest.raises(UserError) as error:
        load_standin_state_dict()
    assert "is unreadable" in _one_line(error) and "--force" in str(error.value)
    monkeypatch.setattr(standin, "fetch_package", _raise(PackageUnavailable("refetched")))
    with pytest.raises(PackageUnavailable, match="refetched"):
        make_standin()


def test_missing_npm_is_one_line_and_writes_nothing(empty_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-npm-here"))
    with pytest.raises(PackageUnavailable) as error:
        make_standin()
    assert _one_line(error) == "npm is not installed: apt-get install npm (or install Node.js)"
    assert _cached_files(empty_cache) == []


def test_npm_failing_is_one_line_with_npm_s_complaint(empty_cache, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "npm"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n" + "".join(f"echo '{line}' >&2\n" for line in OFFLINE_NPM) + "exit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    with pytest.raises(PackageUnavailable) as error:
        make_standin()
    assert _one_line(error) == f"npm pack nsfwjs@4.4.0 failed: {OFFLINE_NPM[3].removeprefix('npm error ')}"
    assert _cached_files(empty_cache) == []


OFFLINE_NPM = [
    "npm error code ECONNREFUSED",
    "npm error syscall connect",
    "npm error errno ECONNREFUSED",
    "npm error FetchError: request to https://registry.npmjs.org/nsfwjs failed, reason: connect ECONNREFUSED",
    "npm error     at ClientRequest.<anonymous> (minipass-fetch/lib/index.js:130:14)",
    "npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log",
]


def test_npm_complaint_without_npm_s_prefix_is_the_last_line():
    assert (
        npm_complaint("npm warn something\nnpm error code E404\nnpm error 404 Not Found") == "404 Not Found"
    )
    assert npm_complaint("first\nlast\n") == "last"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_tarball_is_one_line_and_writes_nothing(
    empty_cache, tmp_path, monkeypatch, damage, request
):
    tarball = tmp_path / "nsfwjs-4.4.0.tgz"
    if damage == "garbage":
        tarball.write_bytes(b"\x1f\x8b not really gzip")
    else:
        data = request.getfixturevalue("nsfwjs_tarball").read_bytes()
        tarball.write_bytes(data[: len(data) // 10])
    monkeypatch.setattr(standin, "fetch_package", lambda folder: tarball)
    with pytest.raises(UserError) as error:
        make_standin()
    assert "nsfwjs-4.4.0.tgz is not a readable nsfwjs package" in _one_line(error)
    assert _cached_files(empty_cache) == []


def test_a_tampered_weight_fails_verification_and_writes_nothing(empty_cache, monkeypatch, nsfwjs_tarball):  # noqa: F811
    def tampered(tarball):
        state = convert_package(tarball)
        state["Conv2d_1a_3x3.bn.bias"][0] += 5.0  # one value of the first layer
        return state

    monkeypatch.setattr(standin, "fetch_package", lambda folder: nsfwjs_tarball)
    monkeypatch.setattr(standin, "convert_package", tampered)
    with pytest.raises(UserError) as error:
        make_standin()
    assert "does not match the TensorFlow.js reference" in _one_line(error)
    assert "nothing was written" in str(error.value)
    assert _cached_files(empty_cache) == []


def test_a_failed_write_leaves_no_temporary_file(empty_cache, monkeypatch):
    monkeypatch.setattr(torch, "save", _raise(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        standin._save({"x": torch.zeros(1)}, standin_path())
    assert _cached_files(empty_cache) == []


def _raise(error):
    def fail(*args, **kwargs):
        raise error

    return fail
