"""Replies as plain text, for the console and the CLI."""

from __future__ import annotations

from bot.replies import Citation, Part, Reply


def citation_text(citation: Citation, under: str = "") -> str:
    """'[wins.django] Where Each Wins > Django'; just the id when already under that heading."""
    if citation.section == under:
        return f"[{citation.passage_id}]"
    return f"[{citation.passage_id}] {citation.section}"


def _table(rows: tuple[tuple[str, ...], ...]) -> list[str]:
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _part(part: Part, heading: str) -> list[str]:
    if part.style == "heading":
        return ["", part.text]
    if part.style == "bullet":
        suffix = f"  ({citation_text(part.citation)})" if part.citation else ""
        return [f"  - {part.text}{suffix}"]
    if part.style == "quote":
        suffix = f"\n    — {citation_text(part.citation, heading)}" if part.citation else ""
        return [f"  > {part.text}{suffix}"]
    if part.style == "table":
        return _table(part.rows) if part.rows else []
    if part.citation:
        return [f"{part.text}  ({citation_text(part.citation)})"]
    return [part.text]


def render_text(reply: Reply, numbered_options: bool = True, first_number: int = 1) -> str:
    """The reply as plain text; options listed as 'N. label' (from `first_number`) if asked."""
    lines: list[str] = []
    heading = ""
    for part in reply.parts:
        lines += _part(part, heading)
        if part.style == "heading":
            heading = part.text
    options = [option for row in reply.options for option in row]
    if options and numbered_options:
        lines.append("")
        lines += [f"  {n}. {option.label}" for n, option in enumerate(options, first_number)]
    return "\n".join(lines).strip("\n")
