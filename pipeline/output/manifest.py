"""frames.jsonl: one JSON line per frame saying how it was made (layers, motion, strength, seconds).

Hydra's .hydra/ records the settings; this records what they turned into, frame by frame.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)
MANIFEST = "frames.jsonl"


class Manifest:
    def __init__(self, run_dir: Path, first_index: int = 0):
        """Open for appending; lines for frames from `first_index` on (left by an interrupted render that
        will dream them again) are dropped first."""
        self.path = run_dir / MANIFEST
        kept = [record for record in read_manifest(run_dir) if record["index"] < first_index]
        self.path.write_text("".join(json.dumps(record) + "\n" for record in kept))
        self.file = self.path.open("a")

    def append(self, record: dict) -> None:
        """Flushed at once (a reader, or a resume after the process is killed, sees it); on disk for
        good after `sync`, which the sink calls before each checkpoint (the only lines a resume keeps
        are those before a checkpoint)."""
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def sync(self) -> None:
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


def read_manifest(run_dir: Path) -> list[dict]:
    """Every complete frame record (a line cut short by a crash, or one that is not a record, is skipped)."""
    path = run_dir / MANIFEST
    if not path.is_file():
        return []
    records, skipped = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn by a crash: its frame is made again
        if isinstance(record, dict) and isinstance(record.get("index"), int):
            records.append(record)
        else:  # parses, but is no frame's record (edited by hand, another tool's line)
            skipped.append(number)
    if skipped:
        log.warning("%s: line(s) %s are not frame records; left out", path, ", ".join(map(str, skipped)))
    return records


def frame_record(
    index: int, t: float, layers: dict, motion: dict, params, stats: dict, started: float
) -> dict:
    """One frame's line: what it was dreamed with (`params`: the frame's DreamParams), the objective
    `stats` the dream reported, and the seconds since `started` (a time.perf_counter() reading)."""
    return {
        "index": index,
        "time": round(t, 6),
        "layers": layers,
        "motion": motion,
        "octaves": params.octaves,
        "steps": params.steps,
        "lr": params.lr,
        **stats,
        "dream_seconds": round(time.perf_counter() - started, 4),
    }


def layer_caption(layers: dict[str, float]) -> str:
    """A frame's layer weights as people read them, in the log and on the contact sheet."""
    return ", ".join(f"{name}:{weight:.2f}" for name, weight in layers.items())
