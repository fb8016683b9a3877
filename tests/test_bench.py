import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.bench import workload_flops
from pipeline.dreamer.layers import vgg19_taps
from pipeline.dreamer.pyramid import octave_sizes
from pipeline.dreamer.vgg import build_vgg19_features

ROOT = Path(__file__).resolve().parents[1]


def test_workload_flops_match_the_issue_estimate():
    """512x512, conv4_2, 4 octaves x 1.4, 10 steps: about 5.5 TFLOP (forward + input gradient)."""
    features = build_vgg19_features()[: vgg19_taps()["conv4_2"] + 1]
    flops = workload_flops(features, octave_sizes(512, 512, 4, 1.4), 10)
    assert flops / 1e12 == pytest.approx(5.5, rel=0.05)
    conv1_1 = 2 * 3 * 64 * 9 * 32 * 32
    assert workload_flops(build_vgg19_features()[:2], [(32, 32)], 1) == 2 * conv1_1


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


@pytest.mark.slow
def test_video_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path):
    out = tmp_path / "video.json"
    settings = ["width=64", "height=48", "frames=5", "cadence=2", "dream.octaves=2", "dream.steps=2"]
    settings += ["layer_schedule=single", "layer_schedule.layer=conv2_1", "video.preset=ultrafast"]
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", "--video", *settings, "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    per_second = numbers["seconds_per_video_second"]
    assert set(per_second) == {"ours", "full", "reference"} and min(per_second.values()) > 0
    assert numbers["ratios"]["ours/full"] == pytest.approx(per_second["ours"] / per_second["full"])
    assert numbers["dreamed_frames"] == 3  # frames 0, 2, 4
    assert numbers["strength_kept"] > 0 and numbers["smoothness_ours"]["jump"] > 0
    assert "per second of video" in result.stdout and "strength kept" in result.stdout
