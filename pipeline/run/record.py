"""Hydra's record of a render's settings, RUN_DIR/.hydra/config.yaml, read in this one place (by resume and
by pipeline.encode)."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from pipeline.cli.quoting import shell_path
from pipeline.errors import UserError

RECORD = Path(".hydra") / "config.yaml"


def read_record(run_dir: Path, setting: str) -> DictConfig:
    """The settings a render in run_dir was made with, or a one-line error naming `setting` (the key the
    user passed the directory as)."""
    check_is_run(run_dir, setting)
    return OmegaConf.load(run_dir / RECORD)


def check_is_run(run_dir: Path, setting: str) -> None:
    """One line naming `setting` when run_dir holds no render record (a typo, or not a run)."""
    if not (run_dir / RECORD).is_file():
        raise UserError(
            f"{setting}: {shell_path(run_dir)} has no render record ({RECORD}); "
            "pass a run directory made by pipeline.render"
        )
