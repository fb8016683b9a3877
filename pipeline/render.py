"""Render a zooming DeepDream video: dream a frame, write it, move the camera, feed it back, repeat.

`python -m pipeline.render key=value ...` (Hydra); the render itself is pipeline/run/rendering.py::render.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from pipeline.cli.quoting import resume_command
from pipeline.config import CONF_DIR, register_configs
from pipeline.run.interrupts import exit_code_of
from pipeline.run.rendering import Interrupted, render
from pipeline.run.resume import resume_config
from pipeline.sweeps.gpu_health import check_gpu_usable
from pipeline.sweeps.jobs import record_interrupt, run_job, skip_after_stop

log = logging.getLogger(__name__)


register_configs()


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="render")
def main(cfg: DictConfig) -> None:
    """Hydra entry point: convert and validate the config, render into Hydra's run directory."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    if skip_after_stop(out_dir):  # a sweep that was interrupted runs no further jobs
        return
    if cfg.resume is not None:
        out_dir = Path(cfg.resume)
    run_job(lambda: _render_or_stop(cfg, out_dir), out_dir, log)


def _render_or_stop(cfg: DictConfig, out_dir: Path) -> None:
    """Render; an interrupted render says how to continue it and exits 130 (Ctrl-C) or 128 + signal."""
    try:
        check_gpu_usable(cfg.device)  # after a sticky CUDA error in an earlier job of this sweep
        if cfg.resume is not None:
            cfg = resume_config(out_dir, cfg, list(HydraConfig.get().overrides.task))
        render(OmegaConf.to_object(cfg), out_dir)
    except (Interrupted, KeyboardInterrupt) as stop:
        complete = getattr(stop, "complete", False)  # asked while its last frames were being encoded
        if complete:
            message = f"stopped as asked, after this render had finished: {out_dir}"
        else:
            message = (
                f"interrupted: the frames so far are in {out_dir}; continue with: {resume_command(out_dir)}"
            )
        log.warning(message)
        print(message, file=sys.stderr)
        code = exit_code_of(stop)
        if not record_interrupt(out_dir, code, complete):  # a sweep job: the sweep stops after it
            sys.exit(code)


if __name__ == "__main__":  # the importable function: joblib and submitit pickle it by reference
    from pipeline.cli.compose import compose_command_line
    from pipeline.cli.help import quick_help
    from pipeline.errors import UserError, report
    from pipeline.render import main as importable_main

    try:
        composed = compose_command_line("render", sys.argv[1:])  # a mistake: one line, exit 2
    except UserError as mistake:
        report(mistake)
    if (help_text := quick_help(sys.argv[1:], composed)) is not None:
        print(help_text)
        sys.exit(0)
    importable_main()
