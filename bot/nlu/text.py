"""The text layer: how a message is read before anything looks for meaning in it.

Clauses, question form and apostrophes are written here once; readers call these instead of
splitting the text again.
"""

from __future__ import annotations

import functools
import re

_CURLY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def straight(text: str) -> str:
    """`text` with curly quotes and apostrophes made straight (same length: offsets hold)."""
    return text.translate(_CURLY)


_QUESTION = re.compile(
    r"\?\s*$|^\s*(does|do|is|are|can|could|what|what's|whats|why|how|how's|hows|which|when|who|where|"
    r"should|will|would|tell me)\b",
    re.IGNORECASE,
)
# A message is read clause by clause: "scale to zero for functions: is the jvm framework a bad
# idea there" asks in its second clause, "we're 3 python devs, what should we use?" describes
# in its first and asks in its second. A comma, semicolon, colon, full stop or dash ends one.
_CLAUSE = re.compile(r"[,;:.!?]+\s*|\s+[-\u2013\u2014]+\s+")
# A clause that asks without a question's form: a topic headed by a word for an evaluation
# ("risks of npm dependencies", "pitfalls of async error handling") or an indirect question
# ("my boss asks if spring is battle tested", "I wonder whether ...").
_TOPIC = re.compile(
    r"\b(?:risks?|pitfalls?|downsides?|drawbacks?|cons|pros|weak(?:ness(?:es)?| spots?)|"
    r"strengths?|(?:dis)?advantages?|benefits?|problems?|issues?|gotchas?|caveats?|"
    r"limitations?|trade-?offs?|negatives?|positives?|watch-outs?)\s+(?:of|with|in|for)\b"
    r"|\b(?:asks?|asked|asking|wonder(?:s|ing)?|know|curious)\s+(?:if|whether)\b",
    re.IGNORECASE,
)
# "I/O" is no "I".
_IO = re.compile(r"\bi/o\b", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def clauses(text: str) -> tuple[tuple[tuple[int, str], ...], tuple[str, ...]]:
    """(question clauses with their offsets, statement clauses) of `text`.

    The last clause asks when `text` ends with "?". Kept for the next reads: a prefetch
    asks `_before_needs` once per intent (12), and each reads the clauses twice.
    """
    text = _IO.sub("ixo", straight(text))  # same length: the offsets hold
    parts: list[tuple[int, str]] = []
    start = 0
    for sep in [*_CLAUSE.finditer(text), None]:
        end = sep.start() if sep else len(text)
        if text[start:end].strip():
            parts.append((start, text[start:end]))
        start = sep.end() if sep else end
    asks = text.rstrip().endswith("?")
    questions: list[tuple[int, str]] = []
    statements: list[str] = []
    for i, (offset, clause) in enumerate(parts):
        last = i == len(parts) - 1
        if _QUESTION.search(clause) or _TOPIC.search(clause) or (last and asks):
            questions.append((offset, clause))
        else:
            statements.append(clause)
    return tuple(questions), tuple(statements)


def is_question(text: str) -> bool:
    """True when any clause of `text` asks something."""
    return bool(clauses(text)[0])
