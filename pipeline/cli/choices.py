"""Settings that take one of a few names (`motion.border=wrap`, `colour.space=lab`): Enum fields of the
schemas, so Hydra checks them while composing and the mistake is one line listing the names
(pipeline.cli.compose). A member is the plain name everywhere: it equals, hashes, prints and formats as the
string users type (a plain `(str, Enum)` formats as `Border.wrap` from Python 3.11 on)."""

from __future__ import annotations

import enum


class Choice(str, enum.Enum):
    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str(self), spec)
