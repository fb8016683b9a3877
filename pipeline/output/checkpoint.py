"""The state a render needs to continue: the next frame's index and its input, at full float precision.

Written after every frame, atomically (temporary name, fsync, rename), so a render killed at any moment
leaves either the old state or the new one, never a torn file a resume would trust.
"""

from __future__ import annotations

import io
import json
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
    buffer = io.BytesIO()
    np.save(buffer, checkpoint.frame.astype(np.float32), allow_pickle=False)
    name = f"frame_{checkpoint.next_index:06d}.npy"
    write_atomically(folder / name, buffer.getvalue())
    write_atomically(
        folder / "next.json", json.dumps({"next_index": checkpoint.next_index, "frame": name}).encode()
    )
    for stale in folder.glob("frame_*.npy"):
        if stale.name != name:
            stale.unlink(missing_ok=True)


def load_checkpoint(run_dir: Path) -> Checkpoint | None:
    """The last saved state, or None when the render never finished a frame."""
    index_file = run_dir / STATE_DIR / "next.json"
    if not index_file.is_file():
        return None
    try:
        record = json.loads(index_file.read_text())
        frame = np.load(run_dir / STATE_DIR / record["frame"], allow_pickle=False)
    except (OSError, ValueError, KeyError) as error:
        raise UserError(f"resume: the saved state in {run_dir / STATE_DIR} is unreadable ({error})") from None
    return Checkpoint(int(record["next_index"]), frame)
