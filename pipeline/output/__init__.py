"""What leaves the loop: PNG frames, the writer thread, the MP4 (segments, ffmpeg), the manifest, previews.

May know: sources (atomic image writing lives beside reading for now), errors. May not know: the dreamer,
the animation, a run's life."""
