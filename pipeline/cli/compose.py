"""Settings mistakes that Hydra finds while composing the config (an unknown key, a preset that is not in its
group, a value of the wrong type), said in one line with exit code 2, like every other mistake.

Hydra composes inside its own error handler, which prints such a mistake over several lines (with its
config search path) and exits 1, and it has no hook for how a mistake is reported. So the command line is
composed once before Hydra starts (about 0.15 s on this project's CPU: the same composition `--help`
needs, so `--help` reuses it). Only plain runs and `--help` are checked this way: a sweep (`-m`, where a
comma list is a sweep and not a mistake) and Hydra's other flags go to Hydra as before.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import typing

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException, ValidationError

from pipeline.config import CONF_DIR, register_configs
from pipeline.errors import UserError, one_line

HELP_FLAGS = ("--help", "-h")


def compose_command_line(config_name: str, argv: list[str]) -> DictConfig | None:
    """The config (Hydra's own keys included) that `argv` composes to, for a plain run or `--help`;
    None when another flag asks Hydra for something else. A mistake raises UserError, in one line."""
    overrides = [arg for arg in argv if arg not in HELP_FLAGS]
    if any(arg.startswith("-") for arg in overrides):
        return None
    register_configs()
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            return compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException) as error:
        raise UserError(describe(error)) from error


def describe(error: BaseException) -> str:
    """One line that names the setting, what is wrong and, where there is a list, the valid choices."""
    cause = error.__cause__
    if isinstance(error, MissingConfigException) and error.missing_cfg_file and error.options:
        group, _, option = error.missing_cfg_file.rpartition("/")
        close = difflib.get_close_matches(option, error.options, n=1)
        guess = f"did you mean {group}={close[0]}? " if close else ""
        return (
            f"{group}={option}: there is no such preset; {guess}{group} is one of {', '.join(error.options)}"
        )
    if (
        isinstance(cause, ConfigKeyError | ConfigAttributeError)
        and cause.full_key
        and dataclasses.is_dataclass(cause.object_type)
    ):
        section, _, key = cause.full_key.rpartition(".")
        keys = [field.name for field in dataclasses.fields(cause.object_type)]
        where = f"the {section}.* settings are" if section else "the settings are"
        close = difflib.get_close_matches(key, keys, n=1)
        guess = f"did you mean {'.'.join(filter(None, (section, close[0])))}? " if close else ""
        return f"unknown setting '{cause.full_key}': {guess}{where} {', '.join(keys)}"
    if (choices := _enum_choices(cause)) is not None:
        return (
            f"{cause.full_key}={cause.value}: not a choice; {cause.full_key} is one of {', '.join(choices)}"
        )
    if isinstance(cause, OmegaConfBaseException):  # a value of the wrong type: Hydra's line, then why
        first = str(cause).strip().splitlines()[0]
        return f"{one_line(error)}: {first}"
    return one_line(error)


def _enum_choices(cause: BaseException | None) -> list[str] | None:
    """The names a choice setting (an Enum field of a schema) accepts, when `cause` refused one of them."""
    if not isinstance(cause, ValidationError) or not dataclasses.is_dataclass(cause.object_type):
        return None
    kind = typing.get_type_hints(cause.object_type).get(str(cause.key))
    return (
        [member.name for member in kind] if isinstance(kind, type) and issubclass(kind, enum.Enum) else None
    )
