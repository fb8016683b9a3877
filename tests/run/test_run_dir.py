"""The run-directory check: before Hydra makes the folder, an unwritable one is one line and exit code 2."""

import pytest
from omegaconf import OmegaConf

from pipeline.run.run_dir import RunDirCheck


def _config(run_dir):
    return OmegaConf.create({"hydra": {"run": {"dir": str(run_dir)}}})


def test_a_writable_run_directory_is_made_and_left_clean(tmp_path):
    """Made, probed without a trace; only the run's lock file (held for the process) is left."""
    RunDirCheck().on_run_start(_config(tmp_path / "new/run"))
    assert (tmp_path / "new/run").is_dir()
    assert [path.name for path in (tmp_path / "new/run").iterdir()] == [".lock"]


def test_an_unwritable_run_directory_stops_with_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit) as exited:
        RunDirCheck().on_run_start(_config(tmp_path / "file/run"))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the run directory" in err and "hydra.run.dir=PATH" in err


def test_an_unwritable_run_to_resume_is_not_told_to_choose_another_run_directory(
    tmp_path, capsys, monkeypatch
):
    """A resume continues its own folder: hydra.run.dir=PATH is no fix for it (the advice said so)."""
    import pipeline.run.run_dir as run_dir_module

    monkeypatch.setattr(run_dir_module, "check_is_run", lambda path, doing: None)
    (tmp_path / "file").write_text("")
    config = _config(tmp_path / "file/run")
    config.resume = str(tmp_path / "file/run")
    with pytest.raises(SystemExit) as exited:
        RunDirCheck().on_run_start(config)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "cannot write the run directory" in err
    assert "hydra.run.dir" not in err and "fix its permissions" in err
