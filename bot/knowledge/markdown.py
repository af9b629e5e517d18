"""Bring-your-own knowledge: a Markdown file split by headings and bullets into passages."""

from __future__ import annotations

import re
from pathlib import Path

from bot.datafile import DataError
from bot.knowledge.models import Framework, Passage, Source

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


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


def markdown_passages(
    path: Path, frameworks: dict[str, Framework]
) -> tuple[Source, list[Passage]]:
    """Passages of one Markdown file: one per section, bullet, paragraph and sentence."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, 1, f"cannot read: {exc}") from None
    stem = _slug(path.stem)
    title = path.stem
    heading: list[str] = []
    blocks: list[tuple[tuple[str, ...], str, int, str]] = []  # (path, kind, line, text)
    paragraph: list[str] = []
    paragraph_line = 0
    heading_lines: dict[tuple[str, ...], int] = {}  # where each heading is, for citations

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            blocks.append(((title, *heading), "paragraph", paragraph_line, " ".join(paragraph)))
            paragraph = []

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip()
        if match := _HEADING.match(line):
            flush()
            level, text = len(match.group(1)), match.group(2)
            if level == 1 and not heading and not blocks:
                title = text
                continue
            heading = [*heading[: max(level - 2, 0)], text]
            heading_lines[(title, *heading)] = number
            continue
        if match := _BULLET.match(line):
            flush()
            blocks.append(((title, *heading), "bullet", number, match.group(1).strip()))
            continue
        if not line.strip():
            flush()
            continue
        if not paragraph:
            paragraph_line = number
        paragraph.append(line.strip())
    flush()
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
        sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
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
