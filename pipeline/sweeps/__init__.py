"""Many renders: how a sweep job runs and records a failure, the end-of-sweep summary, threads per job.

Its Hydra callbacks load at start-up, so they import nothing heavy at the top. May know: output (previews for
the contact sheet, read lazily), errors. May not know: the dreamer, the animation, a run's internals or the
commands."""
