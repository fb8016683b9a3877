"""What a render's `auto`/0 settings come to for its input, resolved once and recorded in the run directory.

Composing a config does no I/O; this is where the input is looked at: the file's existence (checked here
only), a clip's size, exact rate, length and sound, and `frames=auto` from a sound track. The result is
written to RUN_DIR/plan.json when the render starts, so a resume and `python -m pipeline.encode` use the
very numbers the render used (a clip's 30000/1001 fps and its sound) instead of the recorded settings'.
Its paths are absolute: a resume or an encode run from another folder reads the very same files.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

from pipeline.config import RenderConfig
from pipeline.errors import UserError
from pipeline.output.frames import write_atomically
from pipeline.sources.audio import audio_duration, check_audio_file
from pipeline.sources.clip import ClipInfo, even_size, is_video, probe_clip

PLAN = "plan.json"
DEFAULT_SIZE = (640, 360)  # pixels, when neither the settings nor a clip give a size
DEFAULT_FRAMES = 120  # frames=auto with no clip and no sound track


@dataclass(frozen=True)
class Plan:
    width: int  # pixels, even
    height: int  # pixels, even
    fps: float  # frames per second (a clip's own, exactly: fps_fraction maps 29.97... back to 30000/1001)
    frame_count: int  # frames the video will have
    audio_source: str | None  # the sound muxed into the MP4 (a track, or the clip itself); None: silent
    clip: ClipInfo | None  # the input clip's facts, or None for a photo or noise
    input: str | None = None  # the input file, or None for noise (and in plans recorded before inputs)


def input_path(value: str | None) -> Path | None:
    """The input file, which must exist (the one place that checks), or None for noise."""
    if value is None:
        return None
    path = Path(value).expanduser()
    try:
        found = path.is_file()
    except OSError as error:  # a name longer than the file system allows, say
        raise UserError(
            f"input: cannot look for {value} ({error.strerror}); pass an image or clip path"
        ) from None
    if not found:
        raise UserError(f"input: no file at {value}; pass an image or clip path, or input=null for noise")
    return path


def plan(cfg: RenderConfig, recorded: Plan | None = None) -> Plan:
    """Resolve cfg against its input. `recorded` (a resume's plan.json) supplies the clip's facts, so a
    resumed clip keeps exactly the rate and size it started with; without one the clip is probed."""
    source = input_path(cfg.input)
    clip = None
    if source is not None and is_video(source):
        clip = recorded.clip if recorded is not None and recorded.clip else probe_clip(source)
    fps = float(clip.fps) if clip else cfg.fps
    width, height = even_size(clip.width, clip.height) if clip else DEFAULT_SIZE
    audio = _audio_source(cfg.audio, source if clip and clip.has_audio else None)
    frames = _frame_count(cfg, clip, audio, fps)
    audio, source = audio and str(audio.resolve()), source and str(source.resolve())  # pasteable anywhere
    return Plan(cfg.width or width, cfg.height or height, fps, frames, audio, clip, source)


def plan_run(cfg: RenderConfig, run_dir: Path) -> Plan:
    """The plan for a render into run_dir: a resume re-plans its recorded settings (a longer `frames` or
    another `audio` may apply) on the clip facts its plan.json recorded; a run made before plans were
    recorded is planned from its settings alone."""
    return plan(cfg, read_plan(run_dir) if cfg.resume else None)


def _audio_source(setting: str | None, clip_sound: Path | None) -> Path | None:
    """The sound to mux: the given track, else a clip's own, unless audio=none."""
    if setting is not None and setting.strip().lower() == "none":
        return None
    if setting is not None:
        return check_audio_file(setting)
    return clip_sound


def _frame_count(cfg: RenderConfig, clip: ClipInfo | None, audio: Path | None, fps: float) -> int:
    """`frames`, or for "auto": as long as the clip, else the sound track (rounded up to a whole frame),
    else DEFAULT_FRAMES."""
    count = cfg.frame_limit()
    if count is None:
        if clip is not None:
            return clip.frames
        if audio is not None:
            return max(1, math.ceil(audio_duration(audio) * fps - 1e-6))
        return DEFAULT_FRAMES
    if clip is not None and count > clip.frames:
        raise UserError(f"frames={count}, but the clip {cfg.input} has {clip.frames}: use frames=auto")
    return count


def write_plan(run_dir: Path, resolved: Plan) -> None:
    record = asdict(resolved)
    if resolved.clip is not None:
        record["clip"]["fps"] = str(resolved.clip.fps)  # exact, e.g. "30000/1001"
    write_atomically(run_dir / PLAN, (json.dumps(record, indent=2) + "\n").encode())


def read_plan(run_dir: Path) -> Plan | None:
    """The plan a render recorded, or None for a run made before plans were recorded."""
    path = run_dir / PLAN
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
        clip = record.pop("clip")
        resolved = Plan(**record, clip=None)
        if clip is not None:
            resolved = replace(resolved, clip=ClipInfo(**{**clip, "fps": Fraction(clip["fps"])}))
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise UserError(f"{path} is unreadable ({error}); delete it to plan the run again") from None
    return resolved
