"""The frame every page shares: one HTML document with the stylesheet inlined, relative links, atomic
writes. Pages are written while a render runs, so a browser reloading one never sees half a file."""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

from pipeline.output.frames import write_atomically

PAGE = "index.html"
STYLE = (Path(__file__).parent / "pages.css").read_text  # read when a page is written, not at import


def esc(text: object) -> str:
    """Text for HTML content and quoted attribute values."""
    return html.escape(str(text), quote=True)


def href(path: Path, base: Path) -> str:
    """A link from a page in `base` to `path`, relative and percent-quoted: job directories are named after
    their overrides (`=`, `,`, brackets, even `#`, which would otherwise start a fragment)."""
    relative = path.relative_to(base).as_posix()
    return quote(relative) + ("/" if path.is_dir() else "")


def link(path: Path, base: Path, text: str | None = None) -> str:
    return f'<a href="{href(path, base)}">{esc(text or path.name)}</a>'


def document(title: str, body: str, script: str = "", refresh_seconds: int = 0) -> str:
    """A whole page. `refresh_seconds` > 0 makes the browser reload it (a render still running); the icon
    is inline so the browser asks for no favicon.ico."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    script_tag = f"<script>\n{script}\n</script>" if script else ""
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8">{refresh}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>\n{STYLE()}</style></head>\n"
        f"<body>\n{body}\n{script_tag}\n</body></html>\n"
    )


def write_page(directory: Path, text: str) -> Path:
    path = directory / PAGE
    write_atomically(path, text.encode())
    return path
