"""A Hydra callback that checks the run directory can be written before Hydra tries to make it.

Hydra creates the run directory before our code runs and shows a traceback if it cannot: this check runs
first (Hydra calls on_run_start before it makes the directory) and says it in one line. Registered in
pipeline/conf/render.yaml and stills.yaml; it imports nothing heavy, as no callback may (they load first).
"""

from __future__ import annotations

from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from pipeline.errors import report


class RunDirCheck(Callback):
    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        run_dir = Path(str(config.hydra.run.dir))
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            probe = run_dir / ".write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            report(
                f"cannot write the run directory {run_dir} ({error.strerror or error}); "
                "choose another with hydra.run.dir=PATH or fix its permissions"
            )
