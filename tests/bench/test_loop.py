"""The loop benchmark runs the real loop with a stand-in dream and reports every stage it times."""

import json

import pytest

from pipeline.bench.loop import main
from pipeline.errors import UserError


def test_the_loop_benchmark_times_every_stage_of_a_tiny_render(tmp_path, capsys):
    out = tmp_path / "loop.json"
    argv = ["--sizes", "64x48", "--frames", "5", "--cadences", "2", "--colours", "none,first_hsv"]
    result = main([*argv, "--dir", str(tmp_path), "--json", str(out)])
    assert json.loads(out.read_text())["runs"] == json.loads(json.dumps(result["runs"]))
    none, hsv = result["runs"]
    for run in (none["without_x264"], none["with_x264"], hsv["without_x264"]):
        assert run["frames"] == 5 and run["whole_s"] >= run["loop_s"] > 0
        for stage in ("warps", "png", "quality", "manifest", "checkpoint", "8-bit"):
            assert run["stage_ms"][stage] > 0, stage
    assert none["with_x264"]["stage_ms"]["x264 pipe"] > 0
    assert "x264 pipe" not in none["without_x264"]["stage_ms"]  # the stand-in encoder sends nothing
    assert "colour" in hsv["without_x264"]["stage_ms"]
    assert "64x48" in capsys.readouterr().out
    assert [p for p in tmp_path.iterdir() if p != out] == []  # every render's folder is gone


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--sizes", "1280by720"], "--sizes takes WIDTHxHEIGHT"),
        (["--frames", "1"], "--frames must be at least 2"),
        (["--cadences", "6,0"], "--cadences takes whole numbers"),
        (["--colours", "sepia"], "sepia is not one of none, default, first_hsv, first_lab"),
    ],
)
def test_bad_loop_arguments_are_one_line(argv, fragment):
    with pytest.raises(UserError, match=fragment):
        main(argv)
