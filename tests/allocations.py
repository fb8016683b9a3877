"""The most memory a call allocates at once, for tests that rule out full-size temporaries (a float64 copy
of a frame, a float64 pixel grid). NumPy reports its array buffers to tracemalloc, OpenCV's outputs are
NumPy arrays too, so the peak counts every frame-sized array the call makes."""

import tracemalloc


def peak_bytes(run) -> int:
    run()  # once before: caches, lazy imports and first-call set-up are not the call's own
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
