"""Command lines a user can paste as printed: values quoted for Hydra's override grammar, then the shell."""

from __future__ import annotations

import re
import shlex
from pathlib import Path


def hydra_value(text: str) -> str:
    """`text` as a value of Hydra's override grammar: bare when it is plain ASCII path characters, else
    double-quoted, with quotes (and backslashes before them) escaped and `${` kept from interpolating
    (https://hydra.cc/docs/advanced/override_grammar/basic/#quoted-values)."""
    if re.fullmatch(r"[A-Za-z0-9_./:-]+", text):
        return text
    escaped = re.sub(r'(\\*)("|$)', lambda m: m[1] * 2 + ('\\"' if m[2] else ""), text)
    return '"' + escaped.replace("${", "\\${") + '"'


def resume_command(run_dir: Path) -> str:
    """The command that continues `run_dir`, quoted for a POSIX shell, so it pastes as printed."""
    return "python -m pipeline.render " + shlex.quote(f"resume={hydra_value(str(run_dir.absolute()))}")


def shell_path(path: Path | str) -> str:
    """A file path as a message prints it: quoted for the shell where it needs it, so it pastes."""
    return shlex.quote(str(path))
