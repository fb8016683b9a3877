"""pipeline: render infinitely zooming DeepDream videos from a photo, noise or a clip.

Frames flow sources -> dreamer -> animation (camera, feedback) -> output; run/ holds one render's life and
sweeps/ many renders. The commands sit at the top (render, dream, encode, bench) beside the root schemas
(config) and the shared error path (errors) and ffmpeg runner (ffmpeg). tests/test_layering.py checks who
may import whom, as each subpackage's docstring states.
"""
