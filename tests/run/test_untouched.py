"""A refused render, or a resume of a folder that is not a run, leaves the directory as it was; a finished
run is never rendered over, even when its frames were left behind (rsync --exclude 'frames/')."""

import shutil

import pytest

from tests.test_cli import TINY, _assert_one_line_error, run_cli

pytestmark = pytest.mark.slow


def _tree(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def test_a_finished_run_without_its_frames_is_not_rendered_over(tmp_path):
    run_dir = tmp_path / "run"
    assert run_cli(*TINY, "frames=1", f"hydra.run.dir={run_dir}").returncode == 0
    shutil.rmtree(run_dir / "frames")  # copied without its frames
    before = {
        path: path.read_bytes() for path in run_dir.rglob("*") if path.is_file() and path.name != ".lock"
    }
    result = run_cli(*TINY, "frames=1", "seed=5", f"hydra.run.dir={run_dir}")
    _assert_one_line_error(result, "already holds a render", "resume=")
    assert {path: path.read_bytes() for path in before} == before  # dream.mp4, .hydra, frames.jsonl kept


@pytest.mark.parametrize("made", [False, True])
def test_a_resume_of_a_folder_that_is_not_a_run_touches_nothing(tmp_path, made):
    folder = tmp_path / "typo"
    if made:
        folder.mkdir()
    result = run_cli(f"resume={folder}")
    _assert_one_line_error(result, "resume:", "no render record")
    assert folder.exists() == made and (not made or _tree(folder) == [])


def test_a_refused_render_leaves_no_folder_behind(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(*TINY, f"input={tmp_path / 'missing.jpg'}", f"hydra.run.dir={run_dir}")
    _assert_one_line_error(result, "missing.jpg")
    assert not run_dir.exists()
    run_dir.mkdir()
    (run_dir / "notes.txt").write_text("mine")
    result = run_cli(*TINY, 'motion.zoom="0:(1), 0.05:(-1)"', f"hydra.run.dir={run_dir}")
    _assert_one_line_error(result, "motion.zoom must stay above 0")
    assert _tree(run_dir) == ["notes.txt"]
