"""Analyse a soundtrack: loudness, onsets, beats and tempo, band loudness, one value per video frame.

librosa (the `music` extra) is imported only here, only when a render uses the track;
pipeline.run.music_cache keeps the result in the run directory for a resume.
"""

from __future__ import annotations

import logging
import math
import subprocess
import warnings
from pathlib import Path

import numpy as np

from pipeline.errors import UserError, one_line
from pipeline.ffmpeg import command

log = logging.getLogger(__name__)
RATE = 22050  # Hz: librosa's default analysis rate; beats and bands need nothing above 11 kHz
HOP = 256  # samples between analysis frames (11.6 ms): well under one video frame at 60 fps
BANDS = {"low": (0.0, 250.0), "mid": (250.0, 2000.0), "high": (2000.0, RATE / 2 + 1)}  # Hz
INSTALL = "pip install -e '.[music]'"


def decode_mono(path: Path) -> np.ndarray:
    """The first sound stream as mono float32 PCM at RATE, decoded by the bundled ffmpeg."""
    args = ["-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "pipe:1"]
    result = subprocess.run(command(*args), capture_output=True)
    samples = np.frombuffer(result.stdout, dtype="<f4")
    if result.returncode != 0 or samples.size == 0:
        reason = one_line(result.stderr, last=True) if result.returncode else "no sound in it"
        raise UserError(
            f"audio: ffmpeg cannot read a sound track from {path} ({reason}); "
            "pass a WAV, MP3, M4A or FLAC file with sound"
        )
    return samples


def analyse(samples: np.ndarray, fps: float, frame_count: int) -> dict:
    """Per-video-frame levels (0..1), beat times (s) and tempo (BPM) of mono PCM at RATE. librosa's
    warnings on a track too short or too quiet to analyse are left out: one line says what follows."""
    try:
        import librosa
    except ImportError:
        raise UserError(f"music functions and beat schedules need librosa: {INSTALL}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_fft=2048 is too large for input signal ..."
        analysis = _analyse(librosa, samples, fps, frame_count)
    if analysis["beats"]:
        log.info("soundtrack: %.1f BPM, %d beats", analysis["tempo"], len(analysis["beats"]))
    else:
        log.warning(
            "soundtrack: no beats found (the track is silent, or too short to hear one): beat(t), "
            "bar(t) and phase(t) stay 0 and a bars schedule stays on its first stage"
        )
    return analysis


def _analyse(librosa, samples: np.ndarray, fps: float, frame_count: int) -> dict:
    # Onset strength: spectral flux on a mel spectrogram (Böck & Widmer 2013, as librosa computes it).
    onset = librosa.onset.onset_strength(y=samples, sr=RATE, hop_length=HOP, n_fft=1024)  # sharper in time
    tempo, beats = librosa.beat.beat_track(onset_envelope=onset, sr=RATE, hop_length=HOP, trim=False)
    # The onset envelope peaks about one hop after a click's attack (10-14 ms on the click tracks of
    # tests/sources/test_music.py): take that hop back, so a beat lands on the frame showing its sound.
    beat_times = librosa.frames_to_time(_snap_to_peaks(beats, onset) - 1, sr=RATE, hop_length=HOP)
    power = np.abs(librosa.stft(samples, n_fft=2048, hop_length=HOP)) ** 2
    freqs = librosa.fft_frequencies(sr=RATE, n_fft=2048)
    per_hop = {"loud": librosa.feature.rms(S=np.sqrt(power), frame_length=2048)[0], "onset": onset}
    for name, (lo, hi) in BANDS.items():
        per_hop[name] = np.sqrt(power[(freqs >= lo) & (freqs < hi)].mean(axis=0))
    levels = {
        name: _per_frame(values, fps, frame_count, peak=name == "onset") for name, values in per_hop.items()
    }
    tempo = fit_tempo(beat_times, float(np.atleast_1d(tempo)[0]))
    return {
        "fps": fps,
        "tempo": tempo,
        "beats": beat_times.tolist(),
        **{k: v.tolist() for k, v in levels.items()},
    }


def _snap_to_peaks(beats: np.ndarray, onset: np.ndarray, reach: int = 6) -> np.ndarray:
    """Move each tracked beat to the strongest onset within `reach` hops (70 ms, under a 16th note at
    200 BPM): the tracker's dynamic programme favours an even grid and can place a beat, the first one
    especially, a few hops beside the click it follows. Beats with next to no onset near them (the
    tracker keeps its grid going through silence, and past the end of the music) are dropped."""
    snapped = []
    for beat in beats:
        lo = max(int(beat) - reach, 0)
        snapped.append(lo + int(np.argmax(onset[lo : int(beat) + reach + 1])))
    snapped = np.unique(np.asarray(snapped, dtype=int))
    strength = onset[snapped]
    return snapped[strength > 0.1 * np.median(strength)] if len(snapped) else snapped


def _per_frame(values: np.ndarray, fps: float, frame_count: int, peak: bool) -> np.ndarray:
    """Hop values gathered into video frames (frame i spans [i/fps, (i+1)/fps)): the mean, or the peak
    for onsets (a click shorter than a frame must not average away), then scaled so the track's top is 1."""
    frame_of_hop = np.floor(np.arange(len(values)) * HOP / RATE * fps).astype(int)
    keep = frame_of_hop < frame_count
    frames = np.zeros(frame_count)
    if peak:
        np.maximum.at(frames, frame_of_hop[keep], values[keep])
    else:
        sums = np.bincount(frame_of_hop[keep], values[keep], minlength=frame_count)
        counts = np.bincount(frame_of_hop[keep], minlength=frame_count)
        frames = np.divide(sums, counts, out=frames, where=counts > 0)
    top = frames.max(initial=0.0)
    return frames / top if top > 0 else frames


def fit_tempo(beats: np.ndarray, fallback: float) -> float:
    """Tempo from the beats themselves: a least-squares line through (beat number, time), numbered by
    the median gap so a missed beat keeps its place. Averaging over the whole track beats the tempo
    estimate's lag quantisation (about 1% at 93 BPM)."""
    if len(beats) < 3:
        return fallback
    gap = float(np.median(np.diff(beats)))
    numbers = np.round((beats - beats[0]) / gap)
    slope = np.polyfit(numbers, beats, 1)[0]
    return 60.0 / slope if slope > 0 and math.isfinite(slope) else fallback
