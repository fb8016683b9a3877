"""A Hydra callback that checks the run directory can be written before Hydra tries to make it.

Hydra creates the run directory before our code runs and shows a traceback if it cannot: this check runs
first (Hydra calls on_run_start before it makes the directory) and says it in one line. Then it takes the
run directory's lock (pipeline.run.lock) before Hydra writes its record and log there, so a second render
into a busy folder stops before it touches anything; the lock is held until the process ends. A resume of
a folder that is not a run, and a fresh render into a finished one, stop here, before Hydra writes there;
what the folder held is noted, so a render refused later leaves it so (pipeline.run.untouched). Registered in
pipeline/conf/render.yaml and stills.yaml; it imports nothing heavy, as no callback may (they load first).
"""

from __future__ import annotations

from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from pipeline.cli.quoting import shell_path
from pipeline.errors import UserError, report
from pipeline.run.lock import acquire
from pipeline.run.record import check_is_run
from pipeline.run.untouched import check_not_a_run, note, undo


class RunDirCheck(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        """A sweep into a folder that holds one already would write into its jobs (a job of the same
        overrides would be refused there and marked FAILED in the good one) and mix both on one page."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        jobs = sorted(sweep_dir.glob("**/.hydra/overrides.yaml")) if sweep_dir.is_dir() else []
        if jobs:
            report(
                f"hydra.sweep.dir {shell_path(sweep_dir)} already holds a sweep ({len(jobs)} job(s)); "
                "choose another hydra.sweep.dir (the default is a new folder per time), or continue one of "
                "its jobs with python -m pipeline.render resume=JOB_DIR"
            )

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        run_dir = Path(str(config.hydra.run.dir))
        resume = OmegaConf.select(config, "resume", default=None)
        if resume is not None:  # a typo'd resume, or a folder that is not a run, stays as it was
            try:
                check_is_run(Path(str(resume)), "resume")
            except UserError as error:
                report(error)
        note(run_dir)  # what it holds now, so a refused render can leave it so
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            probe = run_dir / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            fix = (
                "fix its permissions"
                if resume is not None
                else "choose another with hydra.run.dir=PATH or fix its permissions"
            )
            report(f"cannot write the run directory {shell_path(run_dir)} ({error.strerror or error}); {fix}")
        try:
            acquire(run_dir, "render")
        except UserError as error:
            report(error)  # in use: nothing of ours to undo, and the folder is another render's now
        video = OmegaConf.select(config, "video.filename", default=None)  # None: the stills
        if resume is None and video is not None:
            try:  # a finished run (its frames perhaps left behind) is not rendered over
                check_not_a_run(run_dir, str(video))
            except UserError as error:
                undo(run_dir)  # the lock file, the folder, if this made them
                report(error)
