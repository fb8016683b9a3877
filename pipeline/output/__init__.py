"""What leaves the loop: PNG frames and atomic writes, the writer thread, the checkpoint a resume continues
from, the MP4 (segments, ffmpeg), the manifest, previews and contact sheets.

May know: sources (8-bit conversion, the sound track to mux), the ffmpeg runner, errors. May not know: the
dreamer, the animation, a run's life, sweeps, the configs or the commands."""
