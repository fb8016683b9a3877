"""Time, motion and feedback: keyframes, layer schedules, the camera, the feeds that hand the dreamer its
next frame (the zoom loop, or a clip through coherence).

May know: sources (a clip's frames), errors. May not know: the dreamer's internals, output, a run."""
