"""Channel lists for dreaming single channels of a layer: read them from settings, check them against
the layer's width (one kind of thing per channel: ProGamerGov's neural-dream dreams channels the same way)."""

from __future__ import annotations

import re
from typing import Any

from pipeline.dreamer.plan import NetworkPlan
from pipeline.errors import UserError

_RANGE = re.compile(r"^range\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
_SPAN = re.compile(r"^(\d+)\s*-\s*(\d+)$")
EXAMPLES = 'as in [12,97], "12,97", 0-15 or "range(0,16)"'
MOST_CHANNELS = 65536  # more than any network's widest layer (2048 in Inception v3)


def parse_channels(value: Any, setting: str) -> tuple[int, ...]:
    """A list of channel numbers from a list, one number, "12,97", "0-15" (inclusive) or
    "range(0,16)" (end excluded, as in Python); duplicates dropped, order kept."""
    if isinstance(value, bool):
        raise UserError(f"{setting}: expected channel numbers, {EXAMPLES}; got {value!r}")
    if isinstance(value, int):
        numbers = [value]
    elif isinstance(value, (list, tuple)):
        numbers = list(value)
    elif isinstance(value, str):
        numbers = _from_text(value.strip(), setting)
    else:
        raise UserError(f"{setting}: expected channel numbers, {EXAMPLES}; got {value!r}")
    if not numbers or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise UserError(f"{setting}: expected whole channel numbers, {EXAMPLES}; got {value!r}")
    return tuple(dict.fromkeys(numbers))


def _from_text(text: str, setting: str) -> list[int]:
    if match := _RANGE.match(text) or _SPAN.match(text):
        start, end = int(match[1]), int(match[2]) + (0 if text.startswith("range") else 1)
        if end <= start:
            raise UserError(f"{setting}: {text!r} holds no channels; {EXAMPLES}")
        if end - start > MOST_CHANNELS:  # checked before the list is built (range(0,3000000000))
            raise UserError(
                f"{setting}: {text!r} names {end - start} channels, at most {MOST_CHANNELS} "
                "(wider than any layer); name the ones to dream"
            )
        return list(range(start, end))
    try:
        return [int(piece) for piece in text.split(",")]
    except ValueError:
        raise UserError(f"{setting}: cannot read channels {text!r}; {EXAMPLES}") from None


def check_channels(plan: NetworkPlan, layer: str, channels: tuple[int, ...], setting: str) -> None:
    """Every channel must exist in the network's layer: one line naming the valid range."""
    width = plan.width(layer)
    wrong = [c for c in channels if not 0 <= c < width]
    if wrong:
        raise UserError(
            f"{setting}: {plan.title}'s {layer} has channels 0..{width - 1} ({width} wide), "
            f"so {wrong} do not exist"
        )


def channels_text(channels: tuple[int, ...]) -> str:
    """Channels as people write them, runs shortened: (1, 2, 3, 7) -> "1-3,7" (what parse_channels reads)."""
    runs: list[list[int]] = []
    for channel in channels:
        if runs and channel == runs[-1][-1] + 1:
            runs[-1].append(channel)
        else:
            runs.append([channel])
    return ",".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ",".join(map(str, run)) for run in runs)
