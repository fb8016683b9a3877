"""`resume=RUN_DIR`: continue a render with the settings it was started with, refusing any that differ."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from pipeline.config import RenderConfig
from pipeline.errors import UserError
from pipeline.run.record import read_record

# Settings a resume may change without changing the frames already dreamed (a longer `frames`
# extends the video; `fraction` layer schedules then stretch over the new length). The frame count in
# force is the one the run's plan.json recorded when its last render started, so a plain `resume=RUN`
# finishes an interrupted extension instead of cutting it back to the first recorded length.
HARMLESS = ("frames", "device", "audio", "preview_every", "contact_sheet", "video", "log_frames")


def _is_harmless(key: str) -> bool:
    return any(key == name or key.startswith(f"{name}.") for name in HARMLESS)


def resume_config(run_dir: Path, composed: DictConfig, overrides: list[str]) -> DictConfig:
    """The run's recorded config, with the harmless settings overridden on this command line applied."""
    recorded = OmegaConf.merge(OmegaConf.structured(RenderConfig), read_record(run_dir, "resume"))
    differing = []
    for override in overrides:
        key = _key(override)
        if key == "resume" or key.startswith("hydra"):
            continue
        now, before = OmegaConf.select(composed, key), OmegaConf.select(recorded, key)
        if now == before:
            continue
        if _is_harmless(key):
            OmegaConf.update(recorded, key, now, merge=False)
        else:
            differing.append(key)
    if differing:
        raise UserError(
            f"resume: {', '.join(differing)} differ from the settings {run_dir} was rendered with; drop "
            f"those overrides to continue it (only {', '.join(HARMLESS)} may change), or start a new render"
        )
    from pipeline.run.plan import read_plan  # here: it loads OpenCV, and this module loads at start-up

    in_force = read_plan(run_dir)  # an extension in force (frames=N on an earlier resume) continues to N
    if in_force is not None and not any(_key(override) == "frames" for override in overrides):
        recorded.frames = str(in_force.frame_count)
    given = {_key(override) for override in overrides}
    if in_force is not None and in_force.input is not None:  # absolute: the file the run read, anywhere
        recorded.input = in_force.input
    track = recorded.audio is not None and str(recorded.audio).strip().lower() != "none"
    if in_force is not None and "audio" not in given and track:
        recorded.audio = in_force.audio_source or recorded.audio
    recorded.resume = str(run_dir)
    return recorded


def _key(override: str) -> str:
    return override.partition("=")[0].lstrip("+~")
