"""Benchmarks: how fast a dream, a video and the loop around it run, and what the defaults cost in quality.

`python -m pipeline.bench --help`. Nothing in the renderer imports this package (tests/test_layering.py):
the yardstick (`reference.py`), the timers (`measure.py`) and the video metrics (`smoothness.py`) live here.
"""
