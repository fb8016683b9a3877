"""`precision=auto` on a CPU with native bf16 (AVX-512 BF16 or AMX): the render dreams in bf16, and what the
project promises in fp32 holds there too. The rest of the suite pins precision=fp32 so its bytes and numbers
do not depend on the CPU; these run only where bf16 is native and skip elsewhere."""

import pytest
import torch

from pipeline.dreamer.precision import cpu_has_native_bf16
from tests.test_cli import TINY, run_cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not cpu_has_native_bf16(), reason="this CPU has no native bf16 (AVX-512 BF16 or AMX)"),
]
AUTO = [arg for arg in TINY if not arg.startswith("precision=")] + [
    "precision=auto",
    "dream=full",
    "seed=2",
    "layer_schedule=single",
]


def _frames(run_dir):
    return {path.name: path.read_bytes() for path in sorted((run_dir / "frames").glob("*.png"))}


def test_auto_dreams_in_bf16_and_differs_from_fp32(tmp_path):
    for name, precision in (("auto", "precision=auto"), ("fp32", "precision=fp32")):
        result = run_cli(*AUTO, precision, "frames=2", f"hydra.run.dir={tmp_path / name}")
        assert result.returncode == 0, result.stderr
    assert "(bfloat16)" in (tmp_path / "auto" / "render.log").read_text()
    assert "(float32)" in (tmp_path / "fp32" / "render.log").read_text()
    assert _frames(tmp_path / "auto") != _frames(tmp_path / "fp32")  # bf16 really ran


def test_a_bf16_render_resumes_byte_identically(tmp_path):
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert run_cli(*AUTO, "frames=3", f"hydra.run.dir={whole}").returncode == 0
    assert run_cli(*AUTO, "frames=2", f"hydra.run.dir={part}").returncode == 0
    result = run_cli(f"resume={part}", "frames=3")
    assert result.returncode == 0, result.stderr
    assert _frames(part) == _frames(whole) and len(_frames(whole)) == 3


def test_bf16_runs_the_convolutions_natively_here():
    """The reason auto picks bf16 here: autocast really lowers the convolution (and oneDNN runs it)."""
    conv = torch.nn.Conv2d(3, 8, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert conv(torch.rand(1, 3, 16, 16)).dtype == torch.bfloat16
