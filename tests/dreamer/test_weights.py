import os
from pathlib import Path
from urllib.error import URLError

import pytest
import torch

from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.load import load_features, load_taps, random_features
from pipeline.dreamer.settings import ModelConfig
from pipeline.dreamer.vgg import build_vgg19_features
from pipeline.errors import UserError


def _same(a, b) -> bool:
    return all(
        torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    )


def test_random_weights_are_seeded():
    assert _same(random_features(3), random_features(3))
    assert not _same(random_features(3), random_features(4))


def test_random_weights_warn_loudly(caplog):
    load_features(ModelConfig(weights="random"), seed=0)
    assert "will NOT look like DeepDream" in caplog.text


def test_loaded_network_has_no_weight_gradients():
    features = load_features(ModelConfig(weights="random"), seed=0)
    assert not any(p.requires_grad for p in features.parameters())
    assert not features.training


@pytest.mark.parametrize("layout", ["features_only", "full_vgg19"])
def test_local_state_dict_loads(tmp_path, layout):
    source = random_features(7)
    state = source.state_dict()
    if layout == "full_vgg19":
        state = {f"features.{k}": v for k, v in state.items()}
        state["classifier.0.weight"] = torch.zeros(2, 2)
    path = tmp_path / "vgg.pth"
    torch.save(state, path)
    assert _same(load_features(ModelConfig(weights=str(path)), seed=0), source)


def test_taps_are_truncated_after_the_deepest_layer():
    taps = load_taps(ModelConfig(weights="random"), 0, "conv2_2", torch.device("cpu"))
    assert len(taps.features) == vgg19_taps()["conv2_2"] + 1


class _Payload:
    """Pickles to a call that would create a file: the exploit a weights file can carry."""

    marker: Path

    def __reduce__(self):
        return (os.makedirs, (str(self.marker),))


def _assert_payload_refused_unrun(tmp_path):
    """A weights file whose unpickling would create a marker file: refused, and the marker never made."""
    payload = _Payload()
    payload.marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"0.weight": payload}, path)
    with pytest.raises(UserError, match="not a readable PyTorch weights file"):
        load_features(ModelConfig(weights=str(path)), seed=0)
    assert not payload.marker.exists()


def test_pickle_payload_is_refused_without_running(tmp_path):
    _assert_payload_refused_unrun(tmp_path)


def test_wrong_architecture_is_refused(tmp_path):
    path = tmp_path / "resnet.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, path)
    with pytest.raises(UserError, match="does not fit VGG19"):
        load_features(ModelConfig(weights=str(path)), seed=0)


def test_truncated_file_is_refused(tmp_path):
    path = tmp_path / "cut.pth"
    torch.save(build_vgg19_features()[:2].state_dict(), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(UserError, match="truncated"):
        load_features(ModelConfig(weights=str(path)), seed=0)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(UserError, match="no file at"):
        load_features(ModelConfig(weights=str(tmp_path / "nope.pth")), seed=0)


def test_sha256_is_checked(tmp_path):
    path = tmp_path / "vgg.pth"
    torch.save(random_features(0).state_dict(), path)
    with pytest.raises(UserError, match="SHA-256"):
        load_features(ModelConfig(weights=str(path), sha256="0" * 64), seed=0)


def test_bad_sha256_setting_is_refused():
    with pytest.raises(UserError, match="64 hex digits"):
        ModelConfig(sha256="abc")


def test_offline_imagenet_says_how_to_supply_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(UserError) as caught:
        load_features(ModelConfig(weights="imagenet"), seed=0)
    message = str(caught.value)
    assert "vgg19-dcbb9e9d.pth" in message and "model.weights=" in message
    assert str(tmp_path) in message  # where to put the file so it is found next time


def test_jobs_in_one_process_read_the_weights_once(tmp_path, monkeypatch):
    path = tmp_path / "vgg.pth"
    torch.save(random_features(5).state_dict(), path)
    reads = []
    real_load = torch.load
    monkeypatch.setattr(
        torch, "load", lambda *args, **kwargs: reads.append(args) or real_load(*args, **kwargs)
    )
    cfg = ModelConfig(weights=str(path))
    first = load_taps(cfg, 0, "conv2_2", torch.device("cpu"))
    second = load_taps(cfg, 1, "conv3_1", torch.device("cpu"))  # the seed does not matter to a file
    assert len(reads) == 1
    assert torch.equal(first.features[0].weight, second.features[0].weight)
    assert first.features[0].weight.data_ptr() != second.features[0].weight.data_ptr()  # copies, not shared
    torch.save(random_features(6).state_dict(), path)  # the file replaced between jobs: read again
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    third = load_taps(cfg, 0, "conv2_2", torch.device("cpu"))
    assert len(reads) == 2 and not torch.equal(first.features[0].weight, third.features[0].weight)


def test_the_loader_asks_torch_for_tensors_only(tmp_path, monkeypatch):
    """torch < 2.6 (the project admits 2.2) unpickles anything unless told weights_only=True."""
    path = tmp_path / "vgg.pth"
    torch.save(random_features(1).state_dict(), path)
    calls = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: calls.append(k) or real_load(*a, **k))
    load_features(ModelConfig(weights=str(path)), seed=0)
    assert calls and all(call.get("weights_only") is True for call in calls)


def test_pickle_payload_is_refused_even_where_torch_defaults_to_unpickling(tmp_path, monkeypatch):
    """Emulate torch 2.2's default (weights_only=False): only an explicit True keeps the payload inert."""
    real_load = torch.load

    def old_torch_load(*args, weights_only=False, **kwargs):
        return real_load(*args, weights_only=weights_only, **kwargs)

    monkeypatch.setattr(torch, "load", old_torch_load)
    _assert_payload_refused_unrun(tmp_path)
