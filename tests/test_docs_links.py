"""The pages hang together: the README stays short, every page under docs/ can be reached from it, every
relative link lands on a file (and heading) that exists, and the README's test command is CI's."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from tests.docs import ROOT, anchors, links, pages

# Written by another branch: linked from here already, present once that branch is merged.
ALLOWED_MISSING = {"docs/networks.md", "docs/standin.md", "docs/slurm.md"}
ALLOWED_MISSING_FOLDERS = ("docs/images/",)  # the stills and contact sheet (another branch)
EXTERNAL = ("http://", "https://", "mailto:")


def resolve(page, target: str) -> tuple[str, str]:
    """(path relative to the root, fragment) of a link on `page`; path '' for a link within the page."""
    path, _, fragment = target.partition("#")
    if not path:
        return "", fragment
    parts = []
    for part in PurePosixPath(page.relative_to(ROOT).parent.as_posix(), path).parts:
        if part == ".." and parts:
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts), fragment


def allowed_missing(path: str) -> bool:
    return path in ALLOWED_MISSING or path.startswith(ALLOWED_MISSING_FOLDERS)


def broken_links(page) -> list[str]:
    broken = []
    for number, target in links(page):
        if target.startswith(EXTERNAL):
            continue
        path, fragment = resolve(page, target)
        where = f"{page.relative_to(ROOT).as_posix()}:{number}: {target}"
        if path and not (ROOT / path).exists():
            if not allowed_missing(path):
                broken.append(f"{where} (no such file)")
            continue
        linked = ROOT / path if path else page
        if fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{where} (no heading #{fragment} in {linked.relative_to(ROOT).as_posix()})")
    return broken


@pytest.mark.parametrize("page", pages(), ids=[p.relative_to(ROOT).as_posix() for p in pages()])
def test_every_relative_link_points_at_something_that_exists(page):
    assert broken_links(page) == []


def test_every_page_can_be_reached_from_the_readme():
    """Following links from README.md, page to page, reaches every page under docs/."""
    reached, todo = set(), [ROOT / "README.md"]
    while todo:
        page = todo.pop()
        if page in reached or page.suffix != ".md" or not page.is_file():
            continue
        reached.add(page)
        internal = [target for _, target in links(page) if not target.startswith(EXTERNAL)]
        todo += [ROOT / resolve(page, target)[0] for target in internal]
    unreached = [p.relative_to(ROOT).as_posix() for p in pages() if p not in reached]
    assert unreached == [], "link these pages from README.md or from a page it reaches"


def test_the_readme_is_short():
    assert len((ROOT / "README.md").read_text().splitlines()) < 250


def test_the_readme_shows_the_test_command_ci_runs():
    """.ci/run ends with the README's test command; the two must stay the same line."""
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == "pip install -e '.[test]' && python -m pytest -q"
    assert f"```bash\n{ci}\n```" in (ROOT / "README.md").read_text()


def test_the_checks_find_what_they_look_for(monkeypatch):
    """A broken link and a missing heading are found; pages another branch writes and good links pass."""
    page = ROOT / "docs" / "settings.md"
    shown = ["nowhere.md", "#no-such-heading", "slurm.md", "images/a.png", "../README.md#pictures"]
    monkeypatch.setattr("tests.test_docs_links.links", lambda _: list(enumerate(shown, 3)))
    assert broken_links(page) == [
        "docs/settings.md:3: nowhere.md (no such file)",
        "docs/settings.md:4: #no-such-heading (no heading #no-such-heading in docs/settings.md)",
    ]
