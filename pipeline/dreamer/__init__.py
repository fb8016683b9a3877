"""One image in, one dreamed image out: the networks (VGG19, Inception v3, GoogLeNet: their plans, taps and
weights), pixel space, octave pyramid, gradient ascent, tiles, precision, device.

Knows no time, no files, no frames of a video: it is handed plain DreamParams and layer weights. The plans
(`ops`, `plan`, `layers`, `inception_plan`, `googlenet_plan`, `networks`) and `settings` import no torch,
so config schemas can use them; `inception`, `zoo` and `load` build and load the networks with torch.
May know: errors. May not know: sources, animation (keyframes are resolved before the dreamer is called),
output, a run, the configs or the commands."""
