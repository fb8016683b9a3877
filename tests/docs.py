"""Reading the project's pages (README.md, docs/**/*.md) the way the doc tests need them: the command lines
their code shows, and their links and headings. Plain text work, no pipeline imports."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("render", "dream", "encode", "bench", "weights")  # python -m pipeline.<these>
SEPARATORS = {"&&", "||", ";", "|", "&"}  # between commands on one shell line
FENCE = re.compile(r"^\s*(```|~~~)")
COMMAND_START = re.compile(r"^(\$ )?([A-Z_][A-Z0-9_]*=\S+ )*python3? -m pipeline\.")
MENTIONS_COMMAND = re.compile(r"\bpython3? -m pipeline\.")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def pages(root: Path = ROOT) -> list[Path]:
    """README.md and every page under docs/ (a page another branch adds is picked up by itself)."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


@dataclass(frozen=True)
class Command:
    page: str  # relative to the project root, e.g. docs/music.md
    line: int  # 1-based line where the command starts
    text: str  # the shell line, continuations joined
    module: str  # render, dream, encode, bench, weights (or whatever else the page names)
    args: tuple[str, ...]  # what the shell hands the command, after `python -m pipeline.<module>`

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def code_lines(text: str) -> list[tuple[int, str]]:
    """(line number, shell line) for every line of a fenced block, continuations (`\\`) joined, and every
    line indented as code (4 spaces) outside a fence that starts a `python -m pipeline.` command."""
    lines, found, fenced, index = text.splitlines(), [], False, 0
    while index < len(lines):
        start, line = index, lines[index]
        index += 1
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and not (line.startswith("    ") and COMMAND_START.match(line.strip())):
            continue
        while line.rstrip().endswith("\\") and index < len(lines) and not FENCE.match(lines[index]):
            line = line.rstrip()[:-1] + " " + lines[index].strip()
            index += 1
        found.append((start + 1, line.strip()))
    return found


def commands_in(path: Path, root: Path = ROOT) -> list[Command]:
    """Every `python -m pipeline.X` command the page's code shows: a shell command that starts with it
    (`pip install -e . && python -m ...` counts its second half; `VAR=1 python -m ...` drops the variable;
    `# comments` and redirections go), never a mention inside other text (a layout's `render.py  python -m
    pipeline.render: the loop`)."""
    page, found = path.relative_to(root).as_posix(), []
    for number, line in code_lines(path.read_text()):
        if not MENTIONS_COMMAND.search(line):
            continue  # pip, rsync, ssh ..., or a YAML line: not our commands
        text = line.removeprefix("$ ")
        for words in _split_commands(shlex.split(text, comments=True)):
            while words and ASSIGNMENT.match(words[0]):
                words = words[1:]  # CUDA_VISIBLE_DEVICES=0 python -m ...
            if (
                words[:2] in (["python", "-m"], ["python3", "-m"])
                and words[2:3]
                and words[2].startswith("pipeline.")
            ):
                module, args = words[2].removeprefix("pipeline."), _before_redirection(words[3:])
                found.append(Command(page, number, text, module, args))
    return found


def _split_commands(words: list[str]) -> list[list[str]]:
    commands = [[]]
    for word in words:
        if word in SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    return commands


def _before_redirection(words: list[str]) -> tuple[str, ...]:
    for at, word in enumerate(words):
        if re.match(r"^\d*(>|<|>>)", word):
            return tuple(words[:at])
    return tuple(words)


LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"`+[^`]*`+")


def prose(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced blocks, inline code removed: where links and headings live."""
    found, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            found.append((number, INLINE_CODE.sub("", line) if not line.startswith("#") else line))
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every Markdown link and image on the page."""
    return [(number, target) for number, line in prose(path.read_text()) for target in LINK.findall(line)]


def anchors(path: Path) -> set[str]:
    """The `#fragment` each heading of the page gets on GitHub (duplicates numbered -1, -2 ...)."""
    seen: dict[str, int] = {}
    for _, line in prose(path.read_text()):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.group(1))  # a link's text stays
            slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
            seen[slug] = seen.get(slug, -1) + 1
            if seen[slug]:
                seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)
