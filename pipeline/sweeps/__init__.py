"""Many renders: a sweep job's failure record, the end-of-sweep summary, threads per job.

May know: output (previews for the contact sheet), errors. May not know: the dreamer or a run's internals."""
