"""What a frame starts from: an image (read, alpha, cover-crop), noise, a clip's frames, a sound track.

May know: errors, the ffmpeg runner. May not know: the dreamer, the animation, output or a run's life."""
