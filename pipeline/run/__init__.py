"""One render's life: set-up (the Renderer), preflight checks, checkpoints, resume, interrupts.

May know everything below it (sources, dreamer, animation, output). May not know: the commands or sweeps."""
