"""One render's life: the plan (the input probed once, recorded as plan.json), set-up (the network, the
Renderer), preflight checks, dreaming within memory, resume, the run's record, interrupts.

May know everything below it (sources, dreamer, animation, output) and the configs. May not know: sweeps or
the commands."""
