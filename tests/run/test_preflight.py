from collections import namedtuple

import pytest
import torch

import pipeline.dreamer.dreamer as renderer_module
import pipeline.run.preflight as preflight
from pipeline.errors import UserError
from pipeline.render import render
from pipeline.run.preflight import activation_bytes, check_disk, check_memory

CPU = torch.device("cpu")


def test_activation_estimate_grows_with_size_and_depth():
    assert activation_bytes(512, 512, "conv4_2") > activation_bytes(256, 256, "conv4_2") * 3.5
    assert activation_bytes(256, 256, "conv5_4") > activation_bytes(256, 256, "conv3_1")
    # conv1_1 alone: 64 channels of 16x16 fp32, kept and its gradient
    assert activation_bytes(16, 16, "conv1_1") == 2 * 64 * 16 * 16 * 4


def test_a_frame_too_big_for_memory_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setattr(preflight, "available_memory", lambda device: 2 * 2**30)
    with pytest.raises(UserError, match="dream.tile_pixels") as caught:
        check_memory(2160, 3840, "conv5_4", 10**9, 1024, 256, CPU)  # untiled 4K
    assert "GiB" in str(caught.value) and "\n" not in str(caught.value)
    monkeypatch.setattr(preflight, "available_memory", lambda device: 8 * 2**30)
    check_memory(2160, 3840, "conv4_2", 2_500_000, 1024, 88, CPU)  # tiled 4K fits in 8 GiB


def test_a_disk_too_full_is_refused_before_anything_is_written(monkeypatch, tmp_path, tiny_config):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(preflight.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 10**5, 10**5))
    with pytest.raises(UserError, match="free"):
        check_disk(tmp_path, 100, 640, 360)
    with pytest.raises(UserError, match="GiB"):
        render(tiny_config("frames=50"), tmp_path)
    assert not list((tmp_path / "frames").glob("*.png"))


def test_running_out_of_memory_retries_the_frame_in_tiles(monkeypatch, tmp_path, tiny_config):
    calls = fail_untiled(monkeypatch, renderer_module, "DefaultCPUAllocator: can't allocate memory: 1 GB")
    render(tiny_config("frames=2", "layer_schedule=single", "layer_schedule.layer=conv2_1"), tmp_path)
    assert len(list((tmp_path / "frames").glob("*.png"))) == 2
    assert calls[0] == 2_500_000 and calls[1] == 64 * 48 // 4  # retried in quarter-frame tiles...
    assert calls[2] == calls[1]  # ...and the next frame starts with the smaller budget


def test_other_runtime_errors_are_not_mistaken_for_memory(monkeypatch, tmp_path, tiny_config):
    def broken(*args):
        raise RuntimeError("shape mismatch")

    monkeypatch.setattr(renderer_module, "dream", broken)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        render(tiny_config("frames=1"), tmp_path)


def fail_untiled(monkeypatch, module, message: str) -> list[int]:
    """Make `module.dream` run out of memory (RuntimeError `message`) unless the gradient is tiled below half
    a 64x48 frame; returns the list the tile budgets of every attempt are appended to."""
    real_dream, budgets = module.dream, []

    def dream_that_fails_untiled(image, features, weights, params, *args):
        budgets.append(params.tile_pixels)
        if params.tile_pixels > 64 * 48 // 2:
            raise RuntimeError(message)
        return real_dream(image, features, weights, params, *args)

    monkeypatch.setattr(module, "dream", dream_that_fails_untiled)
    return budgets


def test_low_precision_activations_are_counted_at_two_bytes(monkeypatch):
    """Under bf16/fp16 autocast the pass needs half of fp32's memory: a frame that fits in bf16 is not
    refused as if it were fp32 (the estimate counted 4 bytes a value whatever the precision)."""
    assert activation_bytes(16, 16, "conv1_1", dtype=torch.bfloat16) == 2 * 64 * 16 * 16 * 2
    for low in (torch.bfloat16, torch.float16):
        assert 2 * activation_bytes(640, 480, "conv4_2", dtype=low) == activation_bytes(640, 480, "conv4_2")
    fp32 = activation_bytes(1080, 1920, "conv4_2") + 256 * 2**20
    monkeypatch.setattr(preflight, "available_memory", lambda device: int(fp32 * 0.7))
    check_memory(1080, 1920, "conv4_2", 10**9, 1024, 88, CPU, dtype=torch.bfloat16)  # untiled: fits in bf16
    with pytest.raises(UserError, match="in float32 needs about"):
        check_memory(1080, 1920, "conv4_2", 10**9, 1024, 88, CPU, dtype=torch.float32)


def test_the_render_checks_memory_in_the_precision_it_dreams_in(monkeypatch, tiny_config):
    import pipeline.run.setup as setup

    seen = []
    monkeypatch.setattr(setup, "check_memory", lambda *args: seen.append(args[-1]))
    setup.check_dreamer(tiny_config("precision=bf16", "device=cpu"), 48, 64, "conv3_1", 2)
    setup.check_dreamer(tiny_config("device=cpu"), 48, 64, "conv3_1", 2)  # TINY pins fp32
    assert seen == [torch.bfloat16, torch.float32]
