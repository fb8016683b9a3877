"""Many renders: how a sweep job runs and records how it ended (marks), the end-of-sweep summary, threads
per job, and the SLURM launcher's work (slurm_sweep, slurm_wait, slurm_queue on the login node; time_limit
inside a job; docs/slurm.md).

Its Hydra callbacks load at start-up, so they import nothing heavy at the top. May know: output (previews for
the contact sheet, read lazily), errors, shell; submitit, lazily. May not know: the dreamer, the animation, a
run's internals or the commands."""
