"""The state a render needs to continue: the next frame's index and its input, at full float precision.

Written after every dreamed frame, atomically (temporary name, fsync, rename), so a render killed at any
moment leaves either the old state or the new one, never a torn file a resume would trust. The frame is
copied once on the way to the file (np.save into memory), not three times: it is 11 MB at 720p.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.output.frames import write_atomically

STATE_DIR = "state"


@dataclass
class Checkpoint:
    next_index: int  # the frame to dream next
    frame: np.ndarray  # its input: the previous dream after the camera move, float32 RGB HWC in [0, 1]


def save_checkpoint(run_dir: Path, checkpoint: Checkpoint) -> None:
    """The frame first, then the index that points at it: the index is only ever ahead of a frame on disk."""
    folder = run_dir / STATE_DIR
    folder.mkdir(exist_ok=True)
    name = f"frame_{checkpoint.next_index:06d}.npy"
    write_atomically(folder / name, _npy(np.asarray(checkpoint.frame, np.float32)))
    write_atomically(
        folder / "next.json", json.dumps({"next_index": checkpoint.next_index, "frame": name}).encode()
    )
    for stale in folder.glob("frame_*.npy"):
        if stale.name != name:
            stale.unlink(missing_ok=True)


def _npy(array: np.ndarray) -> memoryview:
    """The .npy file of `array` (what np.save writes), as a view of one buffer: no further copies."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getbuffer()


def load_checkpoint(run_dir: Path) -> Checkpoint | None:
    """The last saved state, or None when the render never finished a frame. Files that parse but hold
    the wrong things (types, shapes, values) are refused like unreadable ones: one line, nothing touched."""
    index_file = run_dir / STATE_DIR / "next.json"
    if not index_file.is_file():
        return None
    try:
        record = json.loads(index_file.read_text())
        name = record["frame"] if isinstance(record, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"frame_\d{6}\.npy", name):
            raise ValueError(f"next.json names no frame_NNNNNN.npy file: {record!r:.80}")
        frame = np.load(run_dir / STATE_DIR / name, allow_pickle=False)
        return Checkpoint(_count(record.get("next_index"), "next_index"), _rgb(frame))
    except (OSError, ValueError, KeyError) as error:
        raise UserError(
            f"resume: the saved state in {run_dir / STATE_DIR} is unreadable ({error}); the frames are "
            "kept: re-encode them with python -m pipeline.encode, or start a new render"
        ) from None


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r:.40}")
    return value


def _rgb(frame: np.ndarray) -> np.ndarray:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype.kind != "f" or not np.isfinite(frame).all():
        raise ValueError(f"the saved frame is {frame.dtype} {frame.shape}, not a float RGB image")
    return frame.astype(np.float32)


def check_resumable(saved: Checkpoint, plan, run_dir: Path) -> None:
    """A resume never cuts frames already made, and the saved frame must fit this render's size."""
    if saved.next_index > plan.frame_count:
        raise UserError(
            f"resume: {run_dir} already holds {saved.next_index} frames, more than "
            f"frames={plan.frame_count}: pass frames={saved.next_index} or more (frames are never cut)"
        )
    if saved.frame.shape[:2] != (plan.height, plan.width):
        raise UserError(
            f"resume: the saved frame in {run_dir / STATE_DIR} is {saved.frame.shape[1]}x"
            f"{saved.frame.shape[0]}, the render {plan.width}x{plan.height}; start a new render"
        )


def save_state_array(run_dir: Path, name: str, array: np.ndarray) -> None:
    """Another array a resume needs as it was (e.g. the colour reference), atomically, as state/<name>.npy."""
    folder = run_dir / STATE_DIR
    folder.mkdir(exist_ok=True)
    write_atomically(folder / f"{name}.npy", _npy(array))


def load_state_array(run_dir: Path, name: str) -> np.ndarray | None:
    """What save_state_array wrote, or None when it never did."""
    path = run_dir / STATE_DIR / f"{name}.npy"
    if not path.is_file():
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise UserError(f"resume: the saved state {path} is unreadable ({error})") from None
