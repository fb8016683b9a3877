"""`hydra/launcher=slurm` and `slurm_gpu` (pipeline/conf/hydra/launcher/): hydra-submitit-launcher's SLURM
launcher, with every way a job ends recorded and the sweep's pages always written (docs/slurm.md).

Hydra imports every module of `hydra_plugins` at each start, so this one stays thin: the work is in
pipeline.sweeps (slurm_sweep on the login node, time_limit inside a job), imported when it is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher
except ImportError:  # the `sweep` extra is not installed: there is no SLURM launcher to offer
    SlurmLauncher = None

if SlurmLauncher is not None:

    class PipelineSlurmLauncher(SlurmLauncher):
        """Submits like hydra-submitit-launcher; waits for every job however it ends; continues a render
        stopped by its time limit in a new allocation."""

        def launch(self, job_overrides, initial_job_idx):
            from pipeline.sweeps.slurm_sweep import launch

            return launch(self, job_overrides, initial_job_idx)

        def __call__(self, *args: Any) -> Any:
            """One job, in its allocation (submitit unpickles this launcher and calls it)."""
            from pipeline.sweeps.time_limit import TimeLimit

            with TimeLimit() as limit:
                returned = super().__call__(*args)
                self.job_dir = Path(returned.hydra_cfg.hydra.runtime.output_dir)
                limit.continue_later(self.job_dir, self.params["max_num_timeout"])
            return returned

        def checkpoint(self, sweep_overrides, *args: Any) -> Any:
            """What submitit requeues at the time limit: the same job, resuming its own directory."""
            import submitit

            from pipeline.sweeps.time_limit import resume_overrides

            return submitit.helpers.DelayedSubmission(
                self, resume_overrides(sweep_overrides, self.job_dir), *args
            )
