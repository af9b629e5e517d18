"""Bring-your-own knowledge: a Markdown file split by headings and bullets into passages."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.datafile import DataError
from bot.knowledge.models import Framework, Passage, Source
from bot.text import prose_sentences


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def detect_frameworks(text: str, frameworks: dict[str, Framework]) -> tuple[str, ...]:
    """Framework ids whose name or alias occurs in `text` as a whole word."""
    lowered = text.lower()
    found = []
    for fid, framework in frameworks.items():
        names = {framework.name.lower(), fid, *framework.aliases}
        # Two-letter aliases ("js", "ts", "go") match too often in prose to tag passages.
        if any(
            len(n) > 2 and re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", lowered) for n in names
        ):
            found.append(fid)
    return tuple(found)


def _plain(inline: Token) -> str:
    """The text of an inline token, markup dropped ("**Django**" -> "Django")."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _blocks(
    text: str, default_title: str
) -> tuple[str, list[tuple[tuple[str, ...], str, int, str]], dict[tuple[str, ...], int]]:
    """(title, blocks as (section path, kind, line, text), the line of each heading).

    markdown-it-py parses the file, so code fences, setext headings and nested lists mean
    what they mean in Markdown: a "# comment" in a fence is code, not a heading.
    """
    tokens = MarkdownIt("commonmark").parse(text)
    title = default_title
    heading: list[str] = []
    blocks: list[tuple[tuple[str, ...], str, int, str]] = []
    heading_lines: dict[tuple[str, ...], int] = {}
    lists = 0
    for n, token in enumerate(tokens):
        line = (token.map[0] + 1) if token.map else 1
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif token.type == "heading_open":
            level, words = int(token.tag[1]), _plain(tokens[n + 1])
            if level == 1 and not heading and not blocks:
                title = words
                continue
            heading = [*heading[: max(level - 2, 0)], words]
            heading_lines[(title, *heading)] = line
        elif token.type == "paragraph_open" and (words := _plain(tokens[n + 1])):
            kind = "bullet" if lists else "paragraph"
            blocks.append(((title, *heading), kind, line, words))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(((title, *heading), "paragraph", line, token.content.strip()))
    return title, blocks, heading_lines


def markdown_passages(
    path: Path, frameworks: dict[str, Framework]
) -> tuple[Source, list[Passage]]:
    """Passages of one Markdown file: one per section, bullet, paragraph and sentence."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, 1, f"cannot read: {exc}") from None
    stem = _slug(path.stem)
    title, blocks, heading_lines = _blocks(text, path.stem)
    if not blocks:
        raise DataError(path, 1, "no text found: add headings, bullets or paragraphs")

    source = Source(stem, title, path.name)

    def section_id(section: tuple[str, ...]) -> str:
        return f"{stem}.{'.'.join(_slug(h) for h in section[1:]) or 'intro'}"

    passages: list[Passage] = []
    counters: dict[tuple[str, ...], int] = {}
    sections: dict[tuple[str, ...], list[str]] = {}
    for section, kind, line, text in blocks:
        counters[section] = counters.get(section, 0) + 1
        base = f"{section_id(section)}.{counters[section]}"
        fws = detect_frameworks(f"{' '.join(section)} {text}", frameworks)
        origin = f"{path.name}:{line}"
        passages.append(
            Passage(base, stem, section, text, kind, fws, origin, section_id(section))  # type: ignore[arg-type]
        )
        code = kind == "paragraph" and "\n" in text
        sentences = [] if code else prose_sentences(text)
        if len(sentences) > 1:
            passages += [
                Passage(f"{base}.{n}", stem, section, s.strip(), "sentence", fws, origin, base)
                for n, s in enumerate(sentences, 1)
            ]
        sections.setdefault(section, []).append(text)
    for section, texts in sections.items():
        fws = detect_frameworks(" ".join([*section, *texts]), frameworks)
        # A heading's section sits inside the nearest enclosing heading that has text.
        enclosing = next(
            (section[:n] for n in range(len(section) - 1, 0, -1) if section[:n] in sections),
            None,
        )
        passages.append(
            Passage(
                section_id(section),
                stem,
                section,
                "\n".join(texts),
                "section",
                fws,
                f"{path.name}:{heading_lines.get(section, 1)}",
                section_id(enclosing) if enclosing is not None else None,
            )
        )
    return source, passages
