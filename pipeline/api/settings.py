"""Python keyword arguments as the command line's settings: Hydra override strings, composed exactly as
`python -m pipeline.render` / `pipeline.dream` compose them, so a mistake is the same one-line UserError.

`frames=48, motion="zoom"` is `frames=48 motion=zoom`; a dict value is a section, `dream={"octaves": 2}`
is `dream.octaves=2`; a dict or list of override strings (`{"dream.octaves": 2}`, `["dream.octaves=2"]`)
is passed as written. Later settings win over earlier ones, as on the command line.
"""

from __future__ import annotations

import copy
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from pipeline.cli.quoting import hydra_value
from pipeline.errors import UserError

# What `overrides=` accepts: {"dream.octaves": 2, "motion": "zoom"} or ["dream.octaves=2", "motion=zoom"]
Overrides: TypeAlias = "Mapping[str, Any] | Sequence[str]"
_WORDS = ("null", "true", "false", "nan", "inf", "-inf", "+inf")  # bare, Hydra reads these as non-strings


def override_list(overrides: Overrides | None = None, **settings: Any) -> list[str]:
    """The override strings for `overrides` (as written) then the keyword `settings` (which win)."""
    if overrides is None:
        listed: list[str] = []
    elif isinstance(overrides, Mapping):
        listed = flatten(overrides)
    elif isinstance(overrides, str) or not all(isinstance(item, str) for item in overrides):
        raise UserError(
            'overrides must be a dict like {"dream.octaves": 2} or a list like ["dream.octaves=2"], '
            f"got {overrides!r}"
        )
    else:
        listed = list(overrides)
    return [*listed, *flatten(settings)]


def flatten(settings: Mapping[str, Any], prefix: str = "") -> list[str]:
    """`key=value` for each setting; a dict value is a section whose keys are joined to its own."""
    found = []
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            found += flatten(value, f"{name}.")
        else:
            found.append(f"{name}={literal(value, name)}")
    return found


def literal(value: Any, name: str) -> str:
    """A Python value in Hydra's override grammar: None is null, strings and paths quoted where needed,
    lists and dicts element by element (numpy numbers and arrays count as numbers and lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str | os.PathLike):
        text = os.fspath(value)
        return f'"{text}"' if text.lower() in _WORDS else hydra_value(text)
    if hasattr(value, "tolist") and not isinstance(value, Mapping):  # a numpy array
        return literal(value.tolist(), name)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{hydra_value(str(k))}:{literal(v, name)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(literal(item, name) for item in value) + "]"
    raise UserError(
        f"{name}: {type(value).__name__} values are not settings; pass a number, string, path, bool, "
        "None, or a list or dict of them"
    )


def compose(config_name: str, overrides: list[str]) -> DictConfig:
    """The config the command line `config_name` would compose from `overrides` (Hydra's keys included);
    a mistake raises the CLI's one-line UserError."""
    from pipeline.cli.compose import compose_command_line

    flags = [item for item in overrides if item.startswith("-")]
    if flags:
        raise UserError(f"{flags[0]}: command-line flags are not settings; pass key=value overrides")
    composed = compose_command_line(config_name, overrides)
    assert composed is not None  # only flags make it None
    return composed


def checked(composed: DictConfig) -> Any:
    """The composed settings as their dataclass (RenderConfig, StillsConfig): every value checked, as the
    command does before it starts work."""
    settings = copy.deepcopy(composed)
    with read_write(settings), open_dict(settings):
        settings.pop("hydra", None)
    return OmegaConf.to_object(settings)
