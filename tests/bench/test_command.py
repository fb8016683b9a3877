import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pipeline.bench import command as bench
from pipeline.bench import measure
from pipeline.bench.workload import workload_flops
from pipeline.dreamer.layers import VGG19
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


def test_workload_flops_match_the_issue_estimate():
    """512x512, conv4_2, 4 octaves x 1.4, 10 steps: about 5.5 TFLOP (forward + input gradient)."""
    flops = workload_flops(VGG19, "conv4_2", octave_sizes(512, 512, 4, 1.4), 10)
    assert flops / 1e12 == pytest.approx(5.5, rel=0.05)
    conv1_1 = 2 * 3 * 64 * 9 * 32 * 32
    assert workload_flops(VGG19, "conv1_1", [(32, 32)], 1) == 2 * conv1_1


@pytest.mark.slow
def test_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path):
    out = tmp_path / "bench.json"
    args = ["--width", "48", "--height", "48", "--layer", "conv3_1", "--octaves", "2", "--steps", "2"]
    args += ["--repeats", "1", "--frames", "1", "--peak-size", "16", "--json", str(out)]
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    for key in (
        "ours_s",
        "reference_s",
        "peak_fp32_gflops",
        "ours_gflops",
        "frame_light_s",
        "peak_memory_mb",
    ):
        assert numbers[key] > 0, key
    assert numbers["speedup_vs_reference"] == pytest.approx(numbers["reference_s"] / numbers["ours_s"])
    assert "ratio reference/ours" in result.stdout and "of peak" in result.stdout
    assert set(numbers["quality_last"]) == {"luminance", "saturation", "clipped", "detail"}
    assert "quality, last video frame: luminance" in result.stdout


@pytest.mark.slow
def test_every_network_is_benchmarked_side_by_side_in_one_run(tmp_path):
    """--model all: each network on its default layer, in one process, with seconds and GFLOP/s each."""
    out = tmp_path / "bench.json"
    args = ["--model", "all", "--width", "64", "--height", "48", "--octaves", "1", "--steps", "1"]
    args += [
        "--repeats",
        "1",
        "--frames",
        "0",
        "--peak-size",
        "16",
        "--precision",
        "fp32",
        "--json",
        str(out),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    runs = json.loads(out.read_text())["networks"]
    assert [(r["model"], r["layer"]) for r in runs] == [
        ("vgg19", "conv4_2"), ("inception_v3", "Mixed_6a"), ("googlenet", "inception4c")
    ]  # fmt: skip
    assert all(r["ours_s"] > 0 and r["ours_gflops"] > 0 for r in runs)
    assert "reference_s" in runs[0] and "75 px" in runs[1]["reference_skipped"]  # 48 px: no whole Inception
    table = result.stdout[result.stdout.index("side by side") :]
    assert all(f"{name} " in table for name in ("vgg19", "inception_v3", "googlenet"))


def test_peak_size_sets_the_peak_convolutions_input(monkeypatch, tmp_path):
    """--peak-size reaches the peak measurement (it once went to the repeat count and was ignored)."""
    seen = []
    real = torch.nn.Conv2d._conv_forward

    def recording(self, x, weight, bias):
        if self.in_channels == 512:
            seen.append(tuple(x.shape[-2:]))
        return real(self, x, weight, bias)

    monkeypatch.setattr(torch.nn.Conv2d, "_conv_forward", recording)
    args = ["--width", "32", "--height", "32", "--layer", "conv1_2", "--octaves", "1", "--steps", "1"]
    args += ["--repeats", "1", "--frames", "0", "--skip-reference", "--device", "cpu"]
    results = bench.main([*args, "--peak-size", "24", "--json", str(tmp_path / "b.json")])
    assert seen and set(seen) == {(24, 24)} and results["peak_size"] == 24


def test_timing_waits_for_the_device_at_both_ends(monkeypatch):
    waited = []
    monkeypatch.setattr(torch.mps, "synchronize", lambda: waited.append("mps"))
    seconds, result = measure.timed(lambda: waited.append("run") or 7, torch.device("mps"))
    assert waited == ["mps", "run", "mps"] and result == 7 and seconds >= 0


def test_the_video_benchmarks_samples_wait_for_the_device_around_each_dream(monkeypatch):
    """(b) and (c)'s sampled dreams: each one between two waits for the device's queue, so a GPU's
    asynchronous work is billed to the sample that launched it (they were timed with a bare clock)."""
    from pipeline.bench.video import time_samples

    waited = []
    monkeypatch.setattr(torch.mps, "synchronize", lambda: waited.append("sync"))
    inputs = {0: np.zeros((2, 2, 3)), 4: np.ones((2, 2, 3))}
    seconds = time_samples(lambda frame, index: waited.append(index), [1, 5], inputs, torch.device("mps"))
    assert waited == ["sync", 1, "sync", "sync", 5, "sync"] and seconds >= 0


@pytest.mark.parametrize(
    "platform, maxrss, expected", [("darwin", 5_000_000, 5_000_000), ("freebsd14", 4882, 4882 * 1024)]
)
def test_maxrss_is_bytes_on_macos_and_kib_elsewhere(monkeypatch, platform, maxrss, expected):
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(measure.resource, "getrusage", lambda who: SimpleNamespace(ru_maxrss=maxrss))
    assert measure.peak_bytes(torch.device("cpu")) == expected


def test_cuda_peak_is_reset_before_the_measured_run(monkeypatch):
    """The reference ran first and peaked at 9 GiB; ours peaks at 2 GiB: the figure must be ours."""
    allocator = {"now": 0, "peak": 0}

    def allocate(gib):
        allocator["now"] = gib * 2**30
        allocator["peak"] = max(allocator["peak"], allocator["now"])
        allocator["now"] = 0

    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: None)
    monkeypatch.setattr(
        torch.cuda, "reset_peak_memory_stats", lambda device=None: allocator.update(peak=allocator["now"])
    )
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: allocator["peak"])
    allocate(9)  # the reference
    peak, own = measure.peak_memory(lambda: allocate(2), torch.device("cuda", 0))
    assert peak == 2 * 2**30 and own


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_cpu_peak_on_linux_is_the_runs_own_not_the_process_high_water_mark():
    big = np.ones(400 * 2**20 // 8)  # 400 MB, touched
    before = measure.peak_bytes(torch.device("cpu"))
    del big
    peak, own = measure.peak_memory(lambda: np.ones(20 * 2**20 // 8).sum(), torch.device("cpu"))
    assert own and peak < before - 300 * 2**20


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--width", "0"], "--width"),
        (["--layer", "conv9_1"], "conv9_1"),
        (["--model", "resnet50"], "vgg19, inception_v3, googlenet, or all"),
        (["--model", "all", "--layer", "conv4_2"], "drop --layer"),
        (["--model", "googlenet", "--layer", "conv4_2"], "conv4_2 is a VGG19 layer"),
        (["--model", "inception_v3", "--width", "64", "--height", "64"], "Inception v3's Mixed_6a needs"),
        (["--octaves", "9", "--width", "32", "--height", "32"], "dream.octaves=9"),
        (["--steps", "many"], "--steps"),
        (["--frame-lr", "-1"], "frame_lr"),
        (["--json", "/no/such/folder/bench.json"], "--json"),
        (["--json", "/"], "--json"),  # a folder, not a file
        (["--bogus"], "--bogus"),
        (["--octave-scale", "nan"], "dream.octave_scale"),
        (["--peak-size", "100000"], "--peak-size"),
        (["--width", "1000000", "--height", "1000000"], "--width"),
        (["--video", "--json", "/no/such/folder/out.json"], "--json"),  # at once, not after hours
        (["--video", "--json", "/"], "--json"),
        (["--video", "dream.octavs=3"], "dream.octavs"),
        (["--video", "--bogus"], "--bogus"),  # the mistake, not argparse's whole usage
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, fragment, capsys):
    from pipeline.bench.command import main as bench_main

    with pytest.raises(SystemExit) as stop:
        try:
            bench_main(args)
        except UserError as error:  # what `python -m pipeline.bench` prints, before exiting 2
            print(f"error: {error}", file=sys.stderr)
            raise SystemExit(2) from None
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], lines


@pytest.mark.slow
def test_video_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path):
    out = tmp_path / "video.json"
    settings = ["width=64", "height=48", "frames=5", "cadence=2", "dream.octaves=2", "dream.steps=2"]
    settings += ["layer_schedule=single", "layer_schedule.layer=conv2_1", "video.preset=ultrafast"]
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", "--video", *settings, "--reference-frames", "2",
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    per_second = numbers["seconds_per_video_second"]
    assert set(per_second) == {"ours", "full", "reference"} and min(per_second.values()) > 0
    assert numbers["ratios"]["ours/full"] == pytest.approx(per_second["ours"] / per_second["full"])
    assert numbers["dreamed_frames"] == 3  # frames 0, 2, 4
    assert numbers["reference_sampled_frames"] == [1, 4]  # evenly spread over frames 1 .. 4
    smoothness = numbers["smoothness_ours"]
    assert numbers["strength_kept"] > 0 and smoothness["jump"] > 0 and smoothness["local_jump"] > 0
    assert "per second of video" in result.stdout and "strength kept" in result.stdout


@pytest.mark.slow
def test_video_benchmark_samples_full_dreams_and_audits_the_colour_match(tmp_path):
    """--full-frames N times N full dreams instead of a whole full video (it once crashed: the sampled
    renderer had no colour match set up); with colour coherence on, the audit's figure is in the JSON."""
    out = tmp_path / "video.json"
    settings = ["width=64", "height=48", "frames=7", "cadence=3", "dream.octaves=2", "dream.steps=2"]
    settings += ["layer_schedule=single", "layer_schedule.layer=conv2_1", "colour=first_hsv"]
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", "--video", *settings, "--full-frames", "2",
         "--reference-frames", "0", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    assert numbers["full_sampled_frames"] == [1, 6] and set(numbers["seconds_per_video_second"]) == {
        "ours",
        "full",
    }
    assert "strength_kept" not in numbers  # (b) was only sampled: no strength to compare
    assert 0 <= numbers["colour_gain_kept"]["frames"] == 2  # dreams at 3 and 6 (0 is the reference)
    assert "colour match keeps" in result.stdout
