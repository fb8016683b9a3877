"""`pipeline.render_video`: `python -m pipeline.render` from Python, with the same settings, run directory,
record, lock, resume and outputs (the frames and MP4 are byte-identical to the command's).

It runs the command's Hydra app in this process (pipeline/api/in_process.py) with the task the command's
`main` runs, except that a mistake or an interruption is raised to the caller instead of ending the process.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from pipeline.api.settings import Overrides, checked, compose, override_list
from pipeline.errors import UserError, one_line

log = logging.getLogger(__name__)


def render_video(
    out_dir: str | os.PathLike | None = None,
    overrides: Overrides | None = None,
    *,
    resume: str | os.PathLike | None = None,
    quiet: bool = False,
    **settings: Any,
) -> Path:
    """Render a video as `python -m pipeline.render` would; returns the MP4's path.

    out_dir: the run directory (the CLI's hydra.run.dir); None: a new timestamped one under ./outputs/.
    overrides: settings as the CLI spells them, a dict ({"dream.octaves": 2, "motion": "zoom"}) or a list
        (["dream.octaves=2", "motion=zoom"]). settings: the same as keywords (frames=48, motion="zoom",
        fps=24.0; a dict is a section: dream={"octaves": 2} is dream.octaves=2); keywords win. Every key,
        unit and default is the CLI's (`python -m pipeline.render --help`, docs/python.md).
    resume: a run directory to continue from its last saved frame, with the settings it was made with
        (only frames, device, audio, video.*, preview_every, contact_sheet, log_frames may change).
    quiet: no progress bar and only warnings on the console (render.log keeps every line).

    A bad setting raises the UserError the CLI prints. Ctrl-C (or SIGTERM) stops after the frame being
    dreamed, encodes what is done and raises pipeline.run.rendering.Interrupted; continue with resume=.
    """
    given = override_list(overrides, **settings)
    if resume is not None:
        if out_dir is not None and Path(out_dir).absolute() != Path(resume).absolute():
            raise UserError("out_dir and resume are both given: a resume renders into the run it continues")
        given += override_list(resume=Path(resume))
    elif out_dir is not None:
        given += override_list({"hydra.run.dir": Path(out_dir)})
    composed = compose("render", given)
    run_dir = Path(str(composed.hydra.run.dir))
    if composed.resume is None:
        checked(composed)  # a bad value stops here, before a run directory is made (the CLI's check)
        if "${" in OmegaConf.to_container(composed.hydra.run)["dir"]:  # outputs/${now:...}: fix it now
            given += override_list({"hydra.run.dir": run_dir})
    return _render_in(run_dir, given, quiet, composed)


def _render_in(run_dir: Path, overrides: list[str], quiet: bool, composed: DictConfig) -> Path:
    from pipeline.api.in_process import claim, quiet_console, run_app
    from pipeline.api.progress import bar_class
    from pipeline.run.lock import release
    from pipeline.run.loop import BAR_CLASS
    from pipeline.run.rendering import Interrupted

    def task(cfg: DictConfig) -> Path:
        quiet_console(quiet)
        return _render_task(cfg)

    claim(run_dir, composed)  # writable, not another finished run, and locked for this process
    token = BAR_CLASS.set(bar_class(quiet))
    try:
        return run_app("render", "render", overrides, task)
    except Interrupted as stop:
        message = f"interrupted: the frames so far are in {run_dir}; continue with: "
        message += f"pipeline.render_video(resume={str(run_dir)!r})"
        if stop.complete:
            message = f"stopped as asked, after this render had finished: {run_dir}"
        print(message, file=sys.stderr)
        raise
    finally:
        BAR_CLASS.reset(token)
        release(run_dir)


def _render_task(cfg: DictConfig) -> Path:
    """What pipeline.render.main does with the composed config, raising instead of exiting: the run
    directory (or the one resumed), the GPU's health, the recorded settings for a resume, the render."""
    from hydra.core.hydra_config import HydraConfig

    from pipeline.run.rendering import render
    from pipeline.run.resume import resume_config
    from pipeline.sweeps.gpu_health import check_gpu_usable

    out_dir = Path(HydraConfig.get().runtime.output_dir)
    if cfg.resume is not None:
        out_dir = Path(cfg.resume)
    try:
        check_gpu_usable(cfg.device)
        if cfg.resume is not None:
            cfg = resume_config(out_dir, cfg, list(HydraConfig.get().overrides.task))
        return render(OmegaConf.to_object(cfg), out_dir)
    except UserError as error:
        log.error("%s", one_line(error))  # into render.log, as the command's report puts it there
        raise
