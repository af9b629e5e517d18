"""README.md stays a short front page, and every link in it and in docs/ goes somewhere."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
MAX_README_LINES = 250
# Within this many lines a reader has the quick start: the bot, the console and the tests.
QUICK_START_LINES = 80
QUICK_START = ("make run", "make chat", "make test")

_md = MarkdownIt("commonmark").enable("table")


def _walk(tokens: list[Token]) -> list[Token]:
    """Every token, inline children included."""
    out: list[Token] = []
    for token in tokens:
        out.append(token)
        out += _walk(token.children or [])
    return out


def links(page: Path) -> list[str]:
    """The targets of every link and image in `page` (code spans and blocks hold none)."""
    found = []
    for token in _walk(_md.parse(page.read_text(encoding="utf-8"))):
        target = token.attrs.get("href") or token.attrs.get("src")
        if token.type in ("link_open", "image") and isinstance(target, str):
            found.append(target)
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors GitHub makes for `page`'s headings (a repeated one gets -1, -2, ...)."""
    counts: dict[str, int] = {}
    found = set()
    tokens = _md.parse(page.read_text(encoding="utf-8"))
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open":
            base = slug("".join(t.content for t in inline.children or []))
            seen = counts.get(base, 0)
            found.add(base if not seen else f"{base}-{seen}")
            counts[base] = seen + 1
    return found


def _local(target: str) -> bool:
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in filter(_local, links(page)):
        parts = urlsplit(target)
        path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif parts.fragment and path.suffix == ".md" and parts.fragment not in anchors(path):
            broken.append(f"{target}: no heading #{parts.fragment} in {path.name}")
    assert not broken, broken


def test_every_doc_is_linked_from_the_readme() -> None:
    linked = {
        (README.parent / unquote(urlsplit(t).path)).resolve()
        for t in links(README)
        if _local(t) and urlsplit(t).path
    }
    assert DOCS, "docs/ has no pages"
    assert [d.name for d in DOCS if d.resolve() not in linked] == []


def test_the_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES


def test_the_quick_start_is_near_the_top() -> None:
    top = "\n".join(README.read_text(encoding="utf-8").splitlines()[:QUICK_START_LINES])
    assert [c for c in QUICK_START if c not in top] == []
    assert "cp .env.example .env" in top


def test_the_anchor_rules_match_githubs() -> None:
    assert slug("Feedback and the owner's report") == "feedback-and-the-owners-report"
    assert slug("Routing: an answer or the form") == "routing-an-answer-or-the-form"
    assert slug("One turn, through the layers") == "one-turn-through-the-layers"


def test_every_setting_is_in_the_configuration_table() -> None:
    from bot.config import Settings

    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [n.upper() for n in Settings.model_fields if f"`{n.upper()}`" not in page]
    assert missing == []
