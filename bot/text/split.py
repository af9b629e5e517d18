"""Apostrophes, sentences and clauses: where a message is cut, written once for every reader.

Three grains, from intents/text.yaml `punctuation` and `clauses`: sentences (a full stop, "!",
"?", ";" or ":" before a space, a line break, a dash between spaces), clauses (a comma or a
bracket too), and the statements inside a sentence the need detector compares one by one
(cut at "but", "because", ", and we"...).
"""

from __future__ import annotations

import functools
import re

from bot.text.grammar import grammar

# Characters a piece of text is stripped of at both ends.
STRIP = " ,;:.!?()\"'"


@functools.cache
def _straight_table() -> dict[int, str]:
    g = grammar()
    return str.maketrans({**dict.fromkeys(g.apostrophes, "'"), **dict.fromkeys(g.quotes, '"')})


def straight(text: str) -> str:
    """`text` with curly quotes and apostrophes made straight (same length: offsets hold)."""
    return text.translate(_straight_table())


@functools.cache
def _boundaries() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(sentence boundary, clause boundary) patterns."""
    p = grammar().punctuation
    ends, marks = re.escape("".join(p.sentence)), re.escape("".join(p.clause))
    dashes = re.escape("".join(p.dashes))
    breaks = rf"\n\s*|\s+[{dashes}]+\s+"
    sentence = re.compile(rf"[{ends}]+(?=\s|$)\s*|{breaks}")
    clause = re.compile(rf"(?:[{ends}](?=\s|$|[{ends}{marks}])|[{marks}])+\s*|{breaks}")
    return sentence, clause


def sentence_boundaries() -> re.Pattern[str]:
    """What ends a sentence, as a pattern (its matches are the separators)."""
    return _boundaries()[0]


def clause_boundaries() -> re.Pattern[str]:
    """What ends a clause, as a pattern (its matches are the separators)."""
    return _boundaries()[1]


def pieces(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    """The spans of text[start:end] between matches of `separator`, stripped of punctuation."""
    out: list[tuple[int, int]] = []
    at = start
    for m in [*separator.finditer(text, start, end), None]:
        a, b = at, (m.start() if m is not None else end)
        while a < b and text[a] in STRIP:
            a += 1
        while b > a and text[b - 1] in STRIP:
            b -= 1
        if b > a:
            out.append((a, b))
        if m is not None:
            at = m.end()
    return out


# In edited prose (the article), a sentence ends at a full stop, "!" or "?" before a space and
# a capital letter: "e.g. the JVM" and "Node.js" go on.
_PROSE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def prose_sentences(text: str) -> list[str]:
    """The sentences of edited prose (a bullet with two sentences gives two)."""
    return [s.strip() for s in _PROSE_END.split(text) if s.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where the sentences of `text` are, stripped of their punctuation."""
    return pieces(text, 0, len(text), sentence_boundaries())


def clause_units(text: str) -> list[tuple[int, str]]:
    """The clauses of `text` as written, with their offsets (the separators left out)."""
    parts: list[tuple[int, str]] = []
    start = 0
    for sep in [*clause_boundaries().finditer(text), None]:
        end = sep.start() if sep else len(text)
        if text[start:end].strip():
            parts.append((start, text[start:end]))
        start = sep.end() if sep else end
    return parts


def sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding `pos` starts."""
    start = 0
    for sep in sentence_boundaries().finditer(text, 0, pos):
        start = sep.end()
    return start


def clause_start(text: str, pos: int) -> int:
    """Where the clause holding `pos` starts (what precedes `pos` is read alone)."""
    start = 0
    for sep in clause_boundaries().finditer(text, 0, pos):
        start = sep.end()
    return start


def clause_end(text: str, pos: int) -> int:
    """Where the clause holding `pos` ends."""
    sep = clause_boundaries().search(text, pos)
    return sep.start() if sep else len(text)


def asks_at(text: str, pos: int) -> bool:
    """True when the sentence holding `pos` ends with a question mark."""
    sep = sentence_boundaries().search(text, pos)
    return sep is not None and "?" in sep.group()


@functools.cache
def _joined_subject() -> str:
    """Where a joining word brings in a new subject: " and we", " so i"."""
    c = grammar().clauses
    return rf",?\s+{c.joiners.group()}\s+(?={c.subject_after_joiner.group()})"


def leading_statement(text: str) -> str:
    """`text` up to where a joining word brings in a new subject ("is there a library for
    that | so i don't reinvent it"): what a question asks is said before."""
    found = re.compile(_joined_subject(), re.IGNORECASE).search(text)
    return text[: found.start()] if found else text


@functools.cache
def _statements() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(where a sentence's statements meet, the joining word that opens one)."""
    c = grammar().clauses
    split = re.compile(
        rf",\s*(?={c.after_comma.group()})"
        rf"|\s+(?={c.opening.group()})"
        rf"|{_joined_subject()}"
        rf"|,\s+(?={c.subject_after_comma.group()})"
        rf"|\s+(?={c.relatives.group()}\s+(?:\w+\s+)?{c.requirements.group()})",
        re.IGNORECASE,
    )
    return split, re.compile(rf"{c.leading.group()}\s+", re.IGNORECASE)


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Where the statements of `text` are: sentences cut at "but", "because", ", and we"...
    (without the joining word, so a quote reads "our functions must...", not "and our...")."""
    split, leading = _statements()
    out: list[tuple[int, int]] = []
    for a, b in sentence_spans(text):
        for x, y in pieces(text, a, b, split):
            lead = leading.match(text, x, y)
            out.append((lead.end() if lead and lead.end() < y else x, y))
    return out


def list_items(text: str, terse: bool = False) -> list[tuple[int, int]]:
    """The spans between list separators (`terse`: "/" separates too), trimmed to the first
    and last letter or digit of each."""
    p = grammar().punctuation
    marks = p.terse_list if terse else p.list
    spans = []
    for m in re.finditer(rf"[^{re.escape(''.join(marks))}]+", text):
        a, b = m.span()
        while a < b and not text[a].isalnum():
            a += 1
        while b > a and not text[b - 1].isalnum():
            b -= 1
        if b > a:
            spans.append((a, b))
    return spans


def has_list(text: str) -> bool:
    """True when `text` separates items as a list does (a comma or a semicolon)."""
    return any(mark in text for mark in grammar().punctuation.list)


_WORD = re.compile(r"[\w.#+/'-]*\w")


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased ("node.js", "don't" and "c++" are one each)."""
    return _WORD.findall(text.lower())
