"""Time, motion and feedback: keyframes, the dream's keyframed settings, layer schedules, the camera, and
the feeds that hand the dreamer its next frame (the zoom loop, or a clip through coherence).

The `*_config` modules and `schedule`/`keyframes` import no torch or OpenCV. May know: sources (a clip's
frames, 8-bit conversion), the dreamer's torch-free `layers` and `settings`, errors. May not know: the
dreamer's internals, output, a run, the configs or the commands."""
