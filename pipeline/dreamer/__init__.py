"""One image in, one dreamed image out: VGG19 taps, weights, pixel space, octave pyramid, gradient ascent,
tiles, precision, device, and the benchmark's plain reference.

Knows no time, no files, no frames of a video. May know: errors, keyframes (a strength may be keyframed).
May not know: sources, output, a run or a sweep."""
