"""Question form: which clauses of a message ask something, and which state something.

A clause asks when it opens with a question word, when a "?" ends it, when a tag ("right",
"isn't it") follows it as the message's last clause, or when it is a topic headed by a word
for an evaluation ("risks of npm dependencies") or an indirect question ("my boss asks if
spring is battle tested"). The words are intents/text.yaml `questions`.
"""

from __future__ import annotations

import functools
import re

from bot.text.grammar import grammar
from bot.text.split import asks_at, clause_units, sentence_spans, straight

_PUNCTUATION = " \t\n,.;:!?-"

# "I/O" is no "I": read it as one word (same length, so the offsets hold).
_IO = re.compile(r"\bi/o\b", re.IGNORECASE)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a clause in a question's form, a clause that asks without one)."""
    q = grammar().questions
    form = re.compile(rf"\?\s*$|^\s*{q.openers.group()}", re.IGNORECASE)
    topic = re.compile(
        rf"{q.topics.group()}\s+{q.topic_links.group()}"
        rf"|{q.indirect.group()}\s+{q.indirect_links.group()}",
        re.IGNORECASE,
    )
    return form, topic


def _is_tag(clause: str) -> bool:
    """Whether `clause` is only a tag ("right?", "isn't it")."""
    found = grammar().questions.tags.search(clause)
    return found is not None and not (clause[: found.start()] + clause[found.end() :]).strip(
        _PUNCTUATION
    )


@functools.lru_cache(maxsize=256)
def clauses(text: str) -> tuple[tuple[tuple[int, str], ...], tuple[str, ...]]:
    """(question clauses with their offsets, statement clauses) of `text`.

    A clause a "?" follows asks. Kept for the next reads: a prefetch
    asks `_before_needs` once per intent (12), and each reads the clauses twice.
    """
    text = _IO.sub("ixo", straight(text))  # same length: the offsets hold
    parts = clause_units(text)
    form, topic = _patterns()
    tagged = len(parts) >= 2 and _is_tag(parts[-1][1])
    questions: list[tuple[int, str]] = []
    statements: list[str] = []
    for i, (offset, clause) in enumerate(parts):
        marked = text[offset + len(clause) :].lstrip().startswith("?")
        if (
            form.search(clause)
            or topic.search(clause)
            or marked
            or (tagged and i >= len(parts) - 2)
        ):
            questions.append((offset, clause))
        else:
            statements.append(clause)
    return tuple(questions), tuple(statements)


def is_question(text: str) -> bool:
    """True when any clause of `text` asks something."""
    return bool(clauses(text)[0])


def asking_sentences(text: str) -> list[tuple[int, int]]:
    """The spans of `text`'s sentences that ask: a "?" ends the sentence (its span leaves the
    "?" out) or one of its clauses asks."""
    return [(a, b) for a, b in sentence_spans(text) if asks_at(text, a) or is_question(text[a:b])]
