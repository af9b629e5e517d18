"""Replies as Markdown (CommonMark with GitHub's pipe tables): the decision record's format."""

from __future__ import annotations

import re

from bot.replies import Citation, Part, Reply

# Inline characters that would start emphasis, code, a link or HTML in CommonMark. An
# underscore inside a word ("snake_case") starts nothing, so only one at a word's edge is
# escaped; the text stays readable as plain text.
_INLINE = re.compile(r"[\\`*\[\]<]|(?<!\w)_|_(?!\w)")
# A paragraph starting with these would become a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(#|>|[-+*] |\d+[.)] )")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def escape_markdown(text: str) -> str:
    """`text` with the characters Markdown would read as markup escaped by a backslash."""
    escaped = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    return _BLOCK_START.sub(lambda m: "\\" + m.group(0), escaped)


def _cited(text: str, citation: Citation | None) -> str:
    # The passage id in brackets, e.g. "[heuristics.content]": a reader finds it in Sources.
    suffix = f" [{citation.passage_id}]" if citation else ""
    return escape_markdown(text) + suffix


def _table(rows: tuple[tuple[str, ...], ...]) -> list[str]:
    width = max(len(row) for row in rows)
    cells = [[escape_markdown(c).replace("|", "\\|") for c in row] for row in rows]
    cells = [row + [""] * (width - len(row)) for row in cells]
    # Columns of numbers (the score table's points) align right, as numbers read best.
    numeric = [
        all(_NUMBER.match(row[i]) for row in rows[1:] if i < len(row)) and len(rows) > 1
        for i in range(width)
    ]
    lines = ["| " + " | ".join(cells[0]) + " |"]
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return lines


def _part(part: Part, level: int) -> list[str]:
    if part.style == "heading":
        return ["#" * level + " " + escape_markdown(part.text)]
    if part.style == "bullet":
        return ["- " + _cited(part.text, part.citation)]
    if part.style == "quote":
        return ["> " + _cited(part.text, part.citation)]
    if part.style == "table":
        return _table(part.rows) if part.rows else []
    return [_cited(part.text, part.citation)] if part.text else []


def render_markdown(reply: Reply) -> str:
    """The reply as a Markdown document: its first heading the title ('# '), the others its
    sections ('## '); a citation as the passage id in brackets. Ends with one newline."""
    blocks: list[list[str]] = []
    titled = False
    previous = ""
    for part in reply.parts:
        lines = _part(part, 2 if titled else 1)
        if not lines:
            continue
        titled = titled or part.style == "heading"
        # Consecutive bullets make one list; every other block stands apart (a blank line).
        if part.style == previous == "bullet":
            blocks[-1] += lines
        else:
            blocks.append(lines)
        previous = part.style
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
