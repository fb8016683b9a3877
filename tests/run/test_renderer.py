"""What a render builds once, and one frame's dream: the out-of-memory retry in tiles gives the same dream."""

import numpy as np
import pytest

from pipeline.errors import UserError
from pipeline.run.renderer import Renderer


class _OutOfMemoryAbove:
    """Wraps the taps: any forward pass over more than `limit` pixels fails like a full GPU."""

    def __init__(self, taps, limit):
        self.taps, self.limit, self.refused = taps, limit, 0

    def __call__(self, image, layers):
        if image.shape[-2] * image.shape[-1] > self.limit:
            self.refused += 1
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.taps(image, layers)


def test_a_frame_that_runs_out_of_memory_is_dreamed_again_in_tiles_with_the_same_result(
    tiny_config, tmp_path
):
    cfg = tiny_config("width=64", "height=48", "layer_schedule=single", "layer_schedule.layer=conv2_1")
    frame = np.random.default_rng(0).random((48, 64, 3)).astype(np.float32)
    whole, _ = Renderer(cfg, tmp_path / "a").dream(frame, 0)
    renderer = Renderer(cfg, tmp_path / "b")
    renderer.taps = _OutOfMemoryAbove(renderer.taps, limit=1500)  # the 48x64 level (3,072 px) fails
    retried, record = renderer.dream(frame, 0)
    assert renderer.taps.refused >= 1
    assert renderer.tile_pixels == 48 * 64 // 4  # a quarter of the frame, kept for later frames
    assert np.abs(retried - whole).max() < 2e-3
    assert record["index"] == 0 and record["layers"] == {"conv2_1": 1.0}


def test_other_runtime_errors_are_not_retried(tiny_config, tmp_path):
    cfg = tiny_config("layer_schedule=single", "layer_schedule.layer=conv2_1")
    renderer = Renderer(cfg, tmp_path)

    def broken(image, layers):
        raise RuntimeError("shape mismatch")

    renderer.taps = broken
    with pytest.raises(RuntimeError, match="shape mismatch"):
        renderer.dream(np.zeros((48, 64, 3), np.float32), 0)


def test_a_run_directory_holding_frames_is_refused_unless_resumed(tiny_config, tmp_path):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames/000000.png").write_bytes(b"")
    with pytest.raises(UserError, match="resume="):
        Renderer(tiny_config(), tmp_path)
