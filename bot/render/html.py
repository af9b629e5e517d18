"""Replies as Telegram HTML: every text escaped, long replies split at paragraph boundaries."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.replies import Citation, Part, Reply

# Telegram rejects a message over 4096 characters (counted in UTF-16 code units after entity
# parsing); we count the markup too, which only errs on the safe side.
MESSAGE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class _Block:
    """A paragraph-level block: raw (unescaped) text between an opening and closing markup."""

    text: str
    before: str = ""
    after: str = ""
    # Lines of a list stay together: joined to the previous block with one newline, not two.
    tight: bool = False

    def render(self, text: str | None = None) -> str:
        body = self.text if text is None else text
        return self.before + html.escape(body, quote=False) + self.after


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _cite(citation: Citation) -> str:
    return f"<i>[{html.escape(citation.section, quote=False)}]</i>"


def _table(rows: tuple[tuple[str, ...], ...]) -> str:
    width = max(len(row) for row in rows)
    cells = [tuple(row) + ("",) * (width - len(row)) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(width)]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _blocks(part: Part) -> list[_Block]:
    if part.style == "heading":
        return [_Block(part.text, "<b>", "</b>")]
    if part.style == "bullet":
        after = " " + _cite(part.citation) if part.citation else ""
        return [_Block(part.text, "• ", after, tight=True)]
    if part.style == "quote":
        after = "\n— " + _cite(part.citation) if part.citation else ""
        return [_Block(part.text, "<blockquote>", after + "</blockquote>")]
    if part.style == "table":
        return [_Block(_table(part.rows), "<pre>", "</pre>")] if part.rows else []
    return [_Block(part.text)] if part.text else []


def _split_text(block: _Block, limit: int) -> list[str]:
    """Cut one oversized block's raw text at line breaks, then spaces, then anywhere."""
    pieces: list[str] = []
    rest = block.text
    while utf16_len(block.render(rest)) > limit:
        cut = _longest_prefix(block, rest, limit)
        window = rest[:cut]
        for sep in ("\n", " "):
            at = window.rfind(sep)
            if at > cut // 2:
                cut = at + 1
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _longest_prefix(block: _Block, text: str, limit: int) -> int:
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if utf16_len(block.render(text[:mid])) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def split_blocks(blocks: list[tuple[str, bool]], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack rendered (html, tight) blocks into messages of at most `limit` characters."""
    messages: list[str] = []
    current = ""
    for text, tight in blocks:
        joined = current + ("\n" if tight else "\n\n") + text if current else text
        if utf16_len(joined) <= limit:
            current = joined
            continue
        if current:
            messages.append(current)
        current = text
    if current:
        messages.append(current)
    return messages


def render_html(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply as Telegram-HTML messages, each at most `limit` characters; never empty."""
    rendered: list[tuple[str, bool]] = []
    for part in reply.parts:
        for block in _blocks(part):
            if utf16_len(block.render()) <= limit:
                rendered.append((block.render(), block.tight))
            else:
                rendered += [(block.render(piece), False) for piece in _split_text(block, limit)]
    return split_blocks(rendered, limit) or ["…"]


def escape_html(text: str) -> str:
    """User or knowledge text made safe for parse_mode=HTML."""
    return html.escape(text, quote=False)
