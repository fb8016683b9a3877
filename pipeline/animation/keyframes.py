"""Turn a setting string (number, expression of t, or keyframes "T:(EXPR), ... | easing") into a safe f(t)."""

from __future__ import annotations

import ast
import bisect
import functools
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pipeline.errors import UserError

Fn = Callable[[float], float]

# name -> (function, fewest args, most args); results are cast to float so floor/ceil never yield big ints
_FUNCS: dict[str, tuple[Callable[..., float], int, int]] = {
    n: (getattr(math, n), 1, 1) for n in ("sin", "cos", "tan", "sqrt", "exp", "log", "floor", "ceil")
}
_FUNCS |= {"abs": (abs, 1, 1), "min": (min, 2, 64), "max": (max, 2, 64)}
_FUNCS["clamp"] = (lambda x, lo, hi: min(max(x, lo), hi), 3, 3)
# Functions of the soundtrack: name -> (fewest args, most args). The parser only names them; a render binds
# the analysed track (pipeline/animation/signals.py) to what it parsed. Unbound, every signal reads 0.
MUSIC: dict[str, tuple[int, int]] = {n: (1, 1) for n in ("loud", "onset", "low", "mid", "high", "phase")}
MUSIC |= {"beat": (1, 2), "bar": (1, 2)}
_CONSTS = {"pi": math.pi, "e": math.e}
# math.pow, not **: it raises instead of returning a complex number for (-8) ** (1/3)
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_BINOPS |= {ast.Pow: math.pow, ast.Mod: operator.mod}
_EASINGS: dict[str, Fn] = {"linear": lambda u: u, "smooth": lambda u: u * u * (3 - 2 * u)}
_EASINGS |= {"ease_in": lambda u: u * u, "ease_out": lambda u: 1 - (1 - u) ** 2}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_ALLOWED = "allowed: numbers, t, pi, e, + - * / ** %, parentheses, " + ", ".join(
    f"{f}()" for f in [*_FUNCS, *MUSIC]
)
_KEY_EX = 'as in "0:(1.02), 4:(1.05)"'
_EXPR_EX = 'as in "1.05" or "1.02 + 0.01*sin(t)"'
_EASE_EX = 'as in "0:(1.0), 4:(1.1) | smooth"'
_KINDS = {"Attribute": "attribute access", "Subscript": "indexing", "Compare": "a comparison"}


class Signals(Protocol):
    """What music functions read at render time (pipeline.animation.signals.MusicSignals)."""

    def value(self, name: str, t: float, *args: float) -> float: ...


class _Silence:
    """Before a render binds its analysed track (config validation, tests): silence, every signal 0."""

    def value(self, name: str, t: float, *args: float) -> float:
        return 0.0


class _Bad(Exception):
    """A problem in one piece; parse_keyframes adds the setting name and the whole string."""


def _quote(s: str, limit: int = 80) -> str:
    """Quote user text with control characters escaped, so every message stays on one (short) line."""
    s = s if len(s) <= limit else s[: limit - 3] + "..."
    return '"' + "".join(c if c.isprintable() else repr(c)[1:-1] for c in s) + '"'


def _split(text: str, start: int, sep: str) -> list[tuple[str, int]]:
    """Split on `sep` outside brackets, so "max(t, 1)" stays whole; each piece keeps its 0-based column."""
    pieces, stack, last = [], [], 0
    for i, c in enumerate(text):
        if c in "([{":
            stack.append((c, i))
        elif c in ")]}" and (not stack or "([{".index(stack.pop()[0]) != ")]}".index(c)):
            raise _Bad(f'unmatched "{c}" at column {start + i + 1}, brackets must pair up, {_KEY_EX}')
        elif c == sep and not stack:
            pieces.append((text[last:i], start + last))
            last = i + 1
    if stack:
        raise _Bad(f'"{stack[-1][0]}" at column {start + stack[-1][1] + 1} is never closed, {_KEY_EX}')
    return [*pieces, (text[last:], start + last)]


def _safe(fn: Fn, t: float) -> tuple[float, str]:
    """Evaluate, turning math failures and inf/nan into a reason, since a camera cannot move by inf."""
    try:
        v = fn(t)
        return v, ("" if math.isfinite(v) else f"the result is {v}")
    except (ArithmeticError, ValueError) as err:  # overflow, division by zero, math domain
        return math.nan, str(err) or type(err).__name__


def _compile(src: str, start: int, what: str, env: Signals) -> tuple[str, Fn, bool, frozenset[str]]:
    """Check `src` against the whitelist once and build a closure; returns (text, fn, uses_t, music
    functions used). Music functions read `env` when called, so they count as depending on t."""
    start += len(src) - len(src.lstrip())
    if not (src := src.strip()):
        raise _Bad(f"{what} is empty, {_EXPR_EX}")
    try:
        tree = ast.parse(src, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        col, msg = start + (getattr(err, "offset", None) or 1), getattr(err, "msg", None) or err
        raise _Bad(f"{what} {_quote(src)} has a syntax error near column {col} ({msg}), {_EXPR_EX}") from None
    uses_t, music = False, set()

    def build(node: ast.AST, depth: int = 0) -> Fn:
        nonlocal uses_t
        where = f"at column {start + getattr(node, 'col_offset', 0) + 1}"
        if depth > 100:  # keeps both this walk and the closures' calls far from Python's recursion limit
            raise _Bad(f"{what} is nested more than 100 levels deep {where}, {_EXPR_EX}")
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return lambda t, v=float(node.value): v
        if isinstance(node, ast.Name) and node.id in ("t", *_CONSTS):
            uses_t |= node.id == "t"
            return (lambda t: t) if node.id == "t" else (lambda t, v=_CONSTS[node.id]: v)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            f, sign = build(node.operand, depth + 1), (-1.0 if isinstance(node.op, ast.USub) else 1.0)
            return lambda t: sign * f(t)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op, a, b = _BINOPS[type(node.op)], build(node.left, depth + 1), build(node.right, depth + 1)
            return lambda t: op(a(t), b(t))
        fname = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
        if isinstance(node, ast.Name) or (fname and fname not in _FUNCS and fname not in MUSIC):
            kind = f'function "{fname}"' if fname else f'name "{node.id}"'
            raise _Bad(f"{what} uses unknown {kind} {where}, {_ALLOWED}")
        if fname:
            fn, lo, hi = (
                _FUNCS[fname] if fname in _FUNCS else (functools.partial(env.value, fname), *MUSIC[fname])
            )
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise _Bad(f'{what}: {fname}() {where} takes positional arguments only, as in "max(t, 1)"')
            if not lo <= len(node.args) <= hi:
                want = f"{lo}" if lo == hi else f"{lo} or {hi}" if hi == lo + 1 else f"at least {lo}"
                raise _Bad(f"{what}: {fname}() {where} takes {want} argument(s), not {len(node.args)}")
            args = [build(a, depth + 1) for a in node.args]
            if fname in MUSIC:
                music.add(fname)
                uses_t = True  # the track changes over time even where the argument is a constant
            return lambda t: float(fn(*[a(t) for a in args]))
        kind = type(node.value if isinstance(node, ast.Constant) else node).__name__
        kind = _KINDS.get(kind, kind.lower())
        piece = _quote(ast.get_source_segment(src, node) or "")
        raise _Bad(f"{what} uses {piece} ({kind}) {where}, which is not allowed; {_ALLOWED}")

    fn = build(tree)
    if not uses_t:  # fold constants now, so "1/0" fails when the config is read, not mid-render
        v, why = _safe(fn, 0.0)
        if why:
            raise _Bad(f"{what} {_quote(src)} cannot be computed: {why}, {_EXPR_EX}")
        fn = lambda t: v  # noqa: E731
    return src, fn, uses_t, frozenset(music)


@dataclass(frozen=True)
class Keyframed:
    """A parsed setting: call it with t in seconds; immutable, and pickles by re-parsing its text."""

    text: str
    name: str
    _times: tuple[float, ...] = field(repr=False, compare=False)
    _srcs: tuple[str, ...] = field(repr=False, compare=False)
    _fns: tuple[Fn, ...] = field(repr=False, compare=False)
    _easing: str = field(repr=False, compare=False)
    _fixed: bool = field(repr=False, compare=False)
    needs: frozenset[str] = frozenset()  # music functions it calls, e.g. {"beat"}: the render must analyse
    signals: Signals | None = field(default=None, repr=False, compare=False)  # what they read; None: silence

    def __call__(self, t: float) -> float:
        """Hold the first/last value outside the keyframes, blend neighbours (eased) between them."""
        t, times = float(t), self._times
        i = bisect.bisect_right(times, t) - 1
        if i < 0 or i >= len(times) - 1:
            return self._value(max(i, 0), t)
        u = _EASINGS[self._easing]((t - times[i]) / (times[i + 1] - times[i]))
        a, b = self._value(i, t), self._value(i + 1, t)
        return a + (b - a) * u

    def _value(self, i: int, t: float) -> float:
        v, why = _safe(self._fns[i], t)
        if why:
            where = f"{_quote(self._srcs[i])} in {_quote(self.text)} at t={t:g}"
            raise UserError(f"{self.name}: cannot evaluate {where}: {why}, keep it finite for every t")
        return v

    @property
    def is_constant(self) -> bool:
        """True when the value never depends on t, so callers may compute it once."""
        return self._fixed

    def __reduce__(self) -> tuple[Callable[..., Keyframed], tuple[str]]:
        return functools.partial(parse_keyframes, name=self.name, signals=self.signals), (self.text,)


def parse_keyframes(
    text: str | int | float, *, name: str = "value", signals: Signals | None = None
) -> Keyframed:
    """Read one setting once, at config time, so every mistake is reported before rendering starts.

    Music functions read `signals` (the render's analysed track); without it they read silence (0),
    which is what config validation sees. `needs` says which ones the text calls."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise UserError(f"{name}: expected a number or keyframe string, not {_quote(repr(text))}, {_KEY_EX}")
    try:
        return _parse(str(text), name, signals)
    except _Bad as bad:
        raise UserError(f"{name}: cannot read {_quote(str(text))}: {bad}") from None


def _parse(text: str, name: str, signals: Signals | None) -> Keyframed:
    env = signals if signals is not None else _Silence()
    if not text.strip():
        raise _Bad(f"the value is empty, expected a number, an expression of t or keyframes, {_KEY_EX}")
    if len(parts := _split(text, 0, "|")) > 2:
        raise _Bad(f'only one "|" is allowed, before the easing, {_EASE_EX}')
    easing = parts[1][0].strip() if len(parts) == 2 else "linear"
    if easing not in _EASINGS:
        raise _Bad(f"unknown easing {_quote(easing)}, allowed: {', '.join(_EASINGS)}, {_EASE_EX}")
    entries = _split(*parts[0], ",")
    if all(len(_split(*e, ":")) == 1 for e in entries):
        if len(entries) > 1:
            raise _Bad(f"{len(entries)} values separated by commas but no keyframe times, {_KEY_EX}")
        if len(parts) == 2:
            raise _Bad(f'easing "{easing}" needs keyframes, {_EASE_EX}')
        src, fn, uses_t, needs = _compile(*parts[0], "the value", env)
        return Keyframed(text, name, (0.0,), (src,), (fn,), easing, not uses_t, needs, signals)
    keys: list[tuple[float, str, Fn, bool]] = []
    for k, (part, start) in enumerate(entries, 1):
        keys.append(_keyframe(k, part, start, keys[-1][0] if keys else -1.0, env))
    times, srcs, fns, flags, needs = zip(*keys, strict=True)
    fixed = not any(flags) and len({f(0.0) for f in fns}) == 1
    return Keyframed(text, name, times, srcs, fns, easing, fixed, frozenset().union(*needs), signals)


def _keyframe(k: int, part: str, start: int, prev: float, env: Signals) -> tuple:
    """Read keyframe number k, "T:(EXPR)", whose text starts at column `start` of the whole string."""
    if not part.strip():
        raise _Bad(f"keyframe {k} is empty (stray comma?), {_KEY_EX}")
    if len(pieces := _split(part, start, ":")) == 1:
        bare = _quote(part.strip())
        raise _Bad(f"keyframe {k} {bare} has no time; do not mix bare values with keyframes, {_KEY_EX}")
    tsrc = pieces[0][0].strip()
    tk = float(tsrc) if _NUMBER.fullmatch(tsrc) else math.nan
    if not math.isfinite(tk):
        raise _Bad(f"keyframe {k} has time {_quote(tsrc)}, expected a number of seconds, {_KEY_EX}")
    if tk < 0 or tk <= prev:
        why = "negative" if tk < 0 else f"not after the previous {prev:g}; times must strictly increase"
        raise _Bad(f"keyframe {k} has time {_quote(tsrc)}, which is {why}, {_KEY_EX}")
    vstart = len(pieces[0][0]) + 1
    raw = part[vstart:]
    if not (inner := raw.strip()).startswith("("):
        raise _Bad(f"keyframe {k} value {_quote(inner)} must be in parentheses, {_KEY_EX}")
    depth, end = 0, 0
    while end == 0 or depth:  # find the ")" closing the first "(" (brackets are known to be balanced)
        depth += (inner[end] in "([{") - (inner[end] in ")]}")
        end += 1
    if end != len(inner):
        extra = _quote(inner[end:].strip())
        raise _Bad(f"keyframe {k} has {extra} after its closing parenthesis (missing comma?), {_KEY_EX}")
    col = start + vstart + len(raw) - len(raw.lstrip()) + 1
    return (tk, *_compile(inner[1:-1], col, f"keyframe {k} value", env))
