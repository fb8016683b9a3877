"""The `device` setting: a name that exists here, or a one-line refusal that says what to use."""

import pytest
import torch

from pipeline.dreamer.device import check_device_name, resolve_device
from pipeline.errors import UserError


@pytest.mark.parametrize("name", ["auto", "cpu", "cuda", "cuda:0", "cuda:12", "mps"])
def test_valid_names_pass_the_check(name):
    check_device_name(name)


@pytest.mark.parametrize("name", ["tpu", "CPU", "cuda:", "cuda:x", "gpu", "cpu "])
def test_other_names_are_refused_listing_the_choices(name):
    with pytest.raises(UserError, match="cuda:N") as caught:
        check_device_name(name)
    assert repr(name) in str(caught.value)


def test_cpu_is_always_there():
    assert resolve_device("cpu") == torch.device("cpu")


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


def test_a_cuda_index_beyond_the_devices_here_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("cuda:1") == torch.device("cuda:1")
    with pytest.raises(UserError, match=r"device=cuda:2, but PyTorch sees 2 CUDA device\(s\)"):
        resolve_device("cuda:2")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserError, match="no CUDA device"):
        resolve_device("cuda")


def test_mps_where_there_is_none_is_refused(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(UserError, match="device=mps"):
        resolve_device("mps")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_auto_picks_the_cuda_device_on_a_gpu_machine():
    assert resolve_device("auto").type == "cuda"
