"""The sound track: how long it is (so a render can fit its frames to it) and how it goes into the MP4.

YouTube's recommended upload audio is AAC-LC, stereo, 48 kHz, 384 kbit/s. The track is cut at the
video's last frame, or padded with silence up to it, so picture and sound always end together.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import UserError, one_line
from pipeline.ffmpeg import run_quietly

FORMATS = "a WAV, MP3, M4A or FLAC file"
AAC_ARGS = ["-c:a", "aac", "-profile:a", "aac_low", "-b:a", "384k", "-ar", "48000", "-ac", "2"]


def check_audio_file(path: str | Path) -> Path:
    """The track's path, or a one-line error naming `audio` when nothing is there."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"audio: no file at {path}; pass {FORMATS}, or audio=none for a silent video")
    return path


def audio_duration(path: str | Path) -> float:
    """Seconds of sound in the track's first audio stream, measured by decoding all of it.

    Decoding is exact where a header can only estimate (VBR MP3s), and imageio-ffmpeg ships no ffprobe.
    A 10-minute MP3 decodes in about a second.
    """
    path = check_audio_file(path)
    args = ["-i", str(path), "-map", "0:a:0", "-f", "null", "-", "-progress", "pipe:1"]
    result = run_quietly(args)
    ends = re.findall(r"^out_time_us=(\d+)", result.stdout.decode(errors="replace"), re.MULTILINE)
    if result.returncode != 0 or not ends or int(ends[-1]) <= 0:
        reason = one_line(result.stderr, last=True) if result.returncode else "no sound in it"
        raise UserError(f"audio: ffmpeg cannot read a sound track from {path} ({reason}); pass {FORMATS}")
    return int(ends[-1]) / 1e6


def mux_args(path: Path, seconds: float) -> tuple[list[str], list[str]]:
    """ffmpeg input and output arguments that add the track as input 1, encoded as AAC and
    cut or silence-padded to exactly `seconds` (the video's length), next to video input 0."""
    inputs = ["-i", str(path)]
    outputs = ["-map", "1:a:0", *AAC_ARGS, "-af", "apad", "-t", f"{seconds:.6f}"]
    return inputs, outputs
