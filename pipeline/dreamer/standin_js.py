"""Read the data out of a browserify-wrapped JavaScript module without running any of its code.

nsfwjs ships its tfjs model as `n.exports=<object literal>` inside a browserify wrapper, minified: bare keys,
`!0`/`!1` for true/false, numbers like `.5`. A small whitelist parser turns such a literal into Python
values (dict, list, str, int, float, bool, None); anything else (a call, an operator, a variable) is
refused, so the package's JavaScript is never evaluated.
"""

from __future__ import annotations

import re

from pipeline.errors import UserError

# The first browserify module, `{1:[function(a,n,i){n.exports=`: the parameter names vary per file.
_EXPORTS = re.compile(r"\{1:\[function\((\w+),(\w+),(\w+)\)\{\2\.exports=")
_SPACE = re.compile(r"\s*")
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_PLAIN = {'"': re.compile(r'[^"\\\n]*'), "'": re.compile(r"[^'\\\n]*")}  # the run up to a quote or escape
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_WORDS = {"true": True, "false": False, "null": None, "!0": True, "!1": False}


def module_exports(source: str, what: str) -> object:
    """The value a browserify bundle's first module assigns to `module.exports`."""
    found = _EXPORTS.search(source)
    if found is None:
        raise UserError(f"{what}: no browserify `module.exports=` found; is it a tfjs model bundle?")
    value, end = parse_value(source, found.end(), what)
    if not source.startswith("}", _skip(source, end)):
        raise UserError(f"{what}: unexpected text after the exported value at character {end}")
    return value


def parse_literal(text: str, what: str = "literal") -> object:
    """One whole JavaScript literal (object, array, string, number, true/false/null, !0/!1)."""
    value, end = parse_value(text, 0, what)
    end = _skip(text, end)
    if end != len(text):
        raise UserError(f"{what}: unexpected {text[end : end + 20]!r} at character {end}")
    return value


def parse_value(text: str, pos: int, what: str) -> tuple[object, int]:
    """The literal that starts at `pos` (after whitespace), and the position just after it."""
    pos = _skip(text, pos)
    char = text[pos : pos + 1]
    if char == "{":
        return _object(text, pos + 1, what)
    if char == "[":
        return _array(text, pos + 1, what)
    if char in _PLAIN:
        return _string(text, pos, what)
    if text.startswith(("!0", "!1"), pos):
        return _WORDS[text[pos : pos + 2]], pos + 2
    number = _NUMBER.match(text, pos)
    if number:
        token = number.group()
        is_float = any(c in token for c in ".eE")
        return (float(token) if is_float else int(token)), number.end()
    name = _NAME.match(text, pos)
    if name and name.group() in _WORDS:
        return _WORDS[name.group()], name.end()
    raise UserError(f"{what}: not a plain literal at character {pos}: {text[pos : pos + 20]!r}")


def _object(text: str, pos: int, what: str) -> tuple[dict, int]:
    result: dict[str, object] = {}
    pos = _skip(text, pos)
    while not text.startswith("}", pos):
        key, pos = _key(text, pos, what)
        pos = _expect(text, pos, ":", what)
        result[key], pos = parse_value(text, pos, what)
        pos = _after_item(text, pos, "}", what)
    return result, pos + 1


def _array(text: str, pos: int, what: str) -> tuple[list, int]:
    result: list[object] = []
    pos = _skip(text, pos)
    while not text.startswith("]", pos):
        item, pos = parse_value(text, pos, what)
        result.append(item)
        pos = _after_item(text, pos, "]", what)
    return result, pos + 1


def _key(text: str, pos: int, what: str) -> tuple[str, int]:
    """A bare name, a quoted string or a number (JavaScript turns number keys into strings)."""
    name = _NAME.match(text, pos) or _NUMBER.match(text, pos)
    if name:
        return name.group(), name.end()
    if text[pos : pos + 1] in _PLAIN:
        return _string(text, pos, what)
    raise UserError(f"{what}: expected a key at character {pos}: {text[pos : pos + 20]!r}")


def _string(text: str, pos: int, what: str) -> tuple[str, int]:
    """A quoted string with JavaScript's escapes; plain runs are copied in one step (shards are MBs)."""
    quote, plain, parts = text[pos], _PLAIN[text[pos]], []
    pos += 1
    while True:
        run = plain.match(text, pos)
        parts.append(run.group())
        pos = run.end()
        char = text[pos : pos + 1]
        if char == quote:
            return "".join(parts), pos + 1
        if char != "\\":
            raise UserError(f"{what}: unterminated string at character {pos}")
        parts.append(_escape(text, pos + 1, what))
        pos += 2 + {"u": 4, "x": 2}.get(text[pos + 1 : pos + 2], 0)


def _escape(text: str, pos: int, what: str) -> str:
    char = text[pos : pos + 1]
    if char in "ux":
        digits = text[pos + 1 : pos + (5 if char == "u" else 3)]
        if not re.fullmatch(r"[0-9A-Fa-f]+", digits) or len(digits) != (4 if char == "u" else 2):
            raise UserError(f"{what}: bad \\{char} escape at character {pos}")
        return chr(int(digits, 16))
    if not char:
        raise UserError(f"{what}: unterminated string at character {pos}")
    return _ESCAPES.get(char, char)  # \" \' \\ \/ and any other character stand for themselves


def _after_item(text: str, pos: int, close: str, what: str) -> int:
    """Past the comma after an item (a trailing comma is allowed), or at the closing bracket."""
    pos = _skip(text, pos)
    if text.startswith(",", pos):
        return _skip(text, pos + 1)
    if text.startswith(close, pos):
        return pos
    raise UserError(f"{what}: expected ',' or {close!r} at character {pos}: {text[pos : pos + 20]!r}")


def _expect(text: str, pos: int, token: str, what: str) -> int:
    pos = _skip(text, pos)
    if not text.startswith(token, pos):
        raise UserError(f"{what}: expected {token!r} at character {pos}: {text[pos : pos + 20]!r}")
    return pos + len(token)


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()
