"""Device selection and per-device behaviour, with the hardware's answers injected where torch reads them."""

import pytest
import torch

from pipeline.dreamer import device as device_module
from pipeline.dreamer.device import (
    antialias_on,
    check_device_name,
    configure_backends,
    empty_cache,
    resolve_device,
    runs_on,
    synchronize,
    torch_at_least,
)
from pipeline.errors import UserError

WHEEL = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]  # torch 2.8+ cu128: no Pascal, no Volta


def fake_cards(monkeypatch, capabilities, arch_list=WHEEL):
    """torch sees these CUDA cards (compute capabilities), built for `arch_list`; set_device calls are
    recorded instead of reaching a driver."""
    chosen = []
    names = {(6, 1): "NVIDIA GeForce GTX 1080", (7, 0): "Tesla V100-SXM2-16GB", (8, 9): "NVIDIA L4",
             (9, 0): "NVIDIA H200", (12, 0): "NVIDIA GeForce RTX 5090"}  # fmt: skip
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: len(capabilities))
    monkeypatch.setattr(torch.cuda, "set_device", chosen.append)
    monkeypatch.setattr(torch.cuda, "get_arch_list", lambda: list(arch_list))
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda index=None: capabilities[index or 0])
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=None: names[capabilities[index or 0]])
    return chosen


@pytest.fixture
def two_gpus(monkeypatch):
    return fake_cards(monkeypatch, [(9, 0), (8, 9)])


@pytest.mark.parametrize("capability", [(6, 1), (7, 0)])
def test_a_card_the_wheel_has_no_code_for_is_refused_in_one_line_naming_it(monkeypatch, capability):
    """A GTX 1080 or a V100 under a wheel built from sm_75 up: refused before any kernel runs, for
    device=cuda and for auto (which would pick it and fail at the first kernel with a traceback)."""
    chosen = fake_cards(monkeypatch, [capability])
    for name in ("cuda", "auto"):
        with pytest.raises(UserError) as error:
            resolve_device(name)
        message = str(error.value)
        sm = f"sm_{capability[0]}{capability[1]}"
        assert torch.cuda.get_device_name(0) in message and sm in message and "sm_75" in message
        assert "device=cpu" in message and "\n" not in message
    assert chosen == []


@pytest.mark.parametrize(
    "arch_list, capability, runs",
    [
        (WHEEL, (8, 9), True),  # sm_86 code runs on 8.9: same major, higher minor
        (WHEEL, (12, 1), True),
        (["sm_80"], (7, 5), False),  # an older card never runs newer code
        (["sm_80", "compute_90"], (10, 0), True),  # PTX: the driver compiles it for newer cards
        (["sm_80", "compute_90"], (8, 6), True),
        (["sm_90a"], (9, 0), True),  # arch-specific: exactly that card
        (["sm_90a"], (10, 0), False),
        (["compute_90a"], (10, 0), False),
        (["sm_100f"], (10, 3), True),  # family-specific: the same major
    ],
)
def test_which_cards_a_wheels_code_runs_on(arch_list, capability, runs):
    assert runs_on(arch_list, *capability) is runs


def test_a_build_that_lists_no_architectures_is_left_to_try(monkeypatch):
    fake_cards(monkeypatch, [(6, 1)], arch_list=[])
    assert resolve_device("cuda") == torch.device("cuda", 0)


def test_cuda_n_is_made_the_current_device_and_keeps_its_index(two_gpus):
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    assert two_gpus == [1]
    assert resolve_device("cuda") == torch.device("cuda", 0) and two_gpus == [1, 0]
    assert resolve_device("auto") == torch.device("cuda", 0)


def test_a_gpu_that_is_not_there_is_one_line(two_gpus):
    with pytest.raises(UserError, match="sees 2 CUDA device"):
        resolve_device("cuda:2")
    assert two_gpus == []


def test_synchronize_waits_on_the_device_it_is_given(monkeypatch):
    waited = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: waited.append(("cuda", device)))
    monkeypatch.setattr(torch.mps, "synchronize", lambda: waited.append(("mps", None)))
    synchronize(torch.device("cuda", 1))
    synchronize(torch.device("mps"))
    synchronize(torch.device("cpu"))
    assert waited == [("cuda", torch.device("cuda", 1)), ("mps", None)]


def test_empty_cache_reaches_cuda_and_mps(monkeypatch):
    emptied = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: emptied.append("cuda"))
    monkeypatch.setattr(torch.mps, "empty_cache", lambda: emptied.append("mps"))
    for kind in ("cuda", "mps", "cpu"):
        empty_cache(torch.device(kind))
    assert emptied == ["cuda", "mps"]


@pytest.mark.parametrize(
    "version, expected", [("2.2.2", False), ("2.6.0+cpu", False), ("2.7.0", True), ("2.14.1+cu128", True)]
)
def test_mps_resizes_on_the_cpu_before_torch_2_7(monkeypatch, version, expected):
    monkeypatch.setattr(torch, "__version__", version)
    assert antialias_on(torch.device("mps")) is expected
    assert antialias_on(torch.device("cuda")) and antialias_on(torch.device("cpu"))


def test_version_compare_is_numeric_not_textual(monkeypatch):
    monkeypatch.setattr(torch, "__version__", "2.10.0")
    assert torch_at_least(2, 7) and not torch_at_least(3, 0)


@pytest.fixture
def backend_flags(monkeypatch):
    """Let configure_backends set the process-wide flags, and put them back afterwards."""
    for name in ("benchmark", "deterministic", "allow_tf32"):
        monkeypatch.setattr(torch.backends.cudnn, name, getattr(torch.backends.cudnn, name))
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    yield
    torch.use_deterministic_algorithms(False)


def test_cublas_gets_its_fixed_workspace_if_cuda_has_not_started(backend_flags, monkeypatch, caplog):
    """Code that calls configure_backends directly still gets the setting, with a warning where CUDA
    started without it (too late for cuBLAS); a value the user set stays."""
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    configure_backends(torch.device("cuda", 0), deterministic=True)
    assert "CUBLAS_WORKSPACE_CONFIG" in caplog.text and "may still vary" in caplog.text
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    caplog.clear()
    configure_backends(torch.device("cuda", 0), deterministic=True)
    assert device_module.os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8" and caplog.text == ""


def test_deterministic_turns_off_benchmark_and_tf32(backend_flags):
    configure_backends(torch.device("cuda", 0), deterministic=True)
    cudnn = torch.backends.cudnn
    assert not cudnn.benchmark and cudnn.deterministic and not cudnn.allow_tf32
    assert torch.are_deterministic_algorithms_enabled()
    assert device_module.os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    configure_backends(torch.device("cuda", 0), deterministic=False)  # the next sweep job's choice
    assert cudnn.benchmark and not cudnn.deterministic and cudnn.allow_tf32
    assert not torch.are_deterministic_algorithms_enabled()


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
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: None)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    fake_cards(monkeypatch, [(9, 0)])
    assert resolve_device("auto") == torch.device("cuda", 0)


def test_cuda_or_mps_where_there_is_none_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(UserError, match="no CUDA device"):
        resolve_device("cuda")
    with pytest.raises(UserError, match="device=mps"):
        resolve_device("mps")
