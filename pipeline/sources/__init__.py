"""What a frame starts from: an image (read, cover-crop), seeded noise, a clip's frames, a sound track.

May know: errors, the ffmpeg runner. May not know: the dreamer, the animation, output, a run, the configs
or the commands."""
