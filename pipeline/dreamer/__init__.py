"""One image in, one dreamed image out: VGG19's plan and taps, weights, pixel space, octave pyramid,
gradient ascent, tiles, precision, device, and the benchmark's plain reference.

Knows no time, no files, no frames of a video: it is handed plain DreamParams and layer weights.
`layers` and `settings` import no torch, so config schemas can use them. May know: errors. May not know:
sources, animation (keyframes are resolved before the dreamer is called), output, a run, the configs or
the commands."""
