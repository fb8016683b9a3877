"""Run the render command's own Hydra app inside this Python process, and leave the process as it was.

Hydra's run does what it does for `python -m pipeline.render`: the same composition and callbacks, the run
directory, its record (.hydra/config.yaml, which a resume reads, hydra.yaml, overrides.yaml) and render.log.
Three things a command line gets for free are put right here: the run directory's lock is let go when the
run ends (a command holds it until it exits; a notebook lives on), the logging Hydra configures for the run
is undone, and a mistake is raised as UserError instead of printed before an exit.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from pipeline.config import CONF_DIR
from pipeline.errors import UserError


def run_app(config_name: str, job_name: str, overrides: list[str], task: Callable[[DictConfig], Any]) -> Any:
    """task(cfg) run by Hydra as `python -m pipeline.<job_name>` runs it; returns what task returned, or
    raises what it raised (Hydra would print a line before re-raising: the task's error is carried past)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    outcome: dict[str, Any] = {}

    def carried(cfg: DictConfig) -> None:
        try:
            outcome["value"] = task(cfg)
        except Exception as error:  # noqa: BLE001 - raised again below, outside Hydra
            outcome["error"] = error

    with kept_logging(), initialize_config_dir(str(CONF_DIR), job_name=job_name, version_base="1.3"):
        hydra = GlobalHydra.instance().hydra  # as hydra.main's run does, it says which mode this is
        hydra.run(config_name=config_name, task_function=carried, overrides=[*overrides, "hydra.mode=RUN"])
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def claim(run_dir: Path, composed: DictConfig) -> None:
    """The run-directory callback's checks (a resume's folder is a run; it can be written; a fresh render
    does not go over a finished one; its lock is free, and is now this process's), with the line it
    would print before exiting raised as a UserError."""
    from pipeline.run.run_dir import RunDirCheck

    said = io.StringIO()
    escaped = str(run_dir).replace("${", "\\${")  # the path as written, never an interpolation
    try:
        with contextlib.redirect_stderr(said):
            seen = {"hydra": {"run": {"dir": escaped}}, "resume": composed.resume, "video": composed.video}
            RunDirCheck().on_run_start(OmegaConf.create(seen))
    except SystemExit:
        raise UserError(said.getvalue().strip().removeprefix("error: ")) from None


@contextlib.contextmanager
def kept_logging() -> Iterator[None]:
    """Hydra points the root logger at the console and the run's log file for the run (and `hydra`'s at
    the console): afterwards every handler, level and filter is as before, and the run's are closed."""
    loggers = [logging.getLogger(), logging.getLogger("hydra")]
    saved = [(logger, logger.handlers[:], logger.filters[:], logger.level) for logger in loggers]
    try:
        yield
    finally:
        for logger, handlers, filters, level in saved:
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.handlers[:], logger.filters[:] = handlers, filters
            logger.setLevel(level)


def quiet_console(quiet: bool) -> None:
    """quiet=True: the run's console handlers pass only warnings and errors (its log file keeps all)."""
    from pipeline.api.progress import BelowWarning

    if not quiet:
        return
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.addFilter(BelowWarning())
