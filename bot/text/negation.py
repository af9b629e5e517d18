"""Negation, NegEx-style: the termsets of intents/text.yaml `negation` and one scope algorithm.

A trigger (`preceding`, or a word ending "n't") negates a phrase at most `window` words after
it in the same clause, unless a termination word ("but", "and") stands between; a `reaching`
trigger ("nobody") negates the rest of its clause. `pseudo` phrases ("nothing but") look like
triggers and are none. A `deflecting` verb between ("we can't hire Rust people") takes the
negation for itself; an `undoing` phrase after ("by hand") makes the doing what is refused. A
`following` trigger or a dismissal after a copula negates what precedes it ("Java is out").
The slot extractor asks about one phrase (`negation`), the need detector about a whole clause
(`polarity`, `dismisses`), the answer line whether a text negates at all (`negates`).
"""

from __future__ import annotations

import functools
import re

from bot.text.grammar import grammar
from bot.text.phrases import ANY_WORD
from bot.text.split import clause_end, clause_start, straight, words

POSITIVE, EITHER, NEGATIVE = 1, 0, -1
# Words after a possessive before the copula: "Spring Boot's memory appetite is out".
_POSSESSED_WORDS = 6


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a word ending like a negation, a following trigger after a phrase)."""
    n = grammar().negation
    endings = "|".join(re.escape(e) for e in n.endings)
    ending = re.compile(rf"(?<![\w])[\w']*?(?:{endings})(?![\w])", re.IGNORECASE)
    after = n.following | n.dismissals
    following = re.compile(
        rf"(?:'s(?![\w])(?:\s+{ANY_WORD}){{0,{_POSSESSED_WORDS}}}?)?\s+{n.copulas.group()}"
        rf"\s+{after.group()}",
        re.IGNORECASE,
    )
    return ending, following


def _triggers(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, bool]]:
    """(start, end, reaches the whole clause) of every trigger in text[start:end], pseudo
    triggers left out, nearest to `end` first."""
    n = grammar().negation
    end = len(text) if end is None else end
    pseudo = [m.span() for m in n.pseudo.finditer(text, start, end)]
    found: list[tuple[int, int, bool]] = []
    ending, _ = _patterns()
    for matches, reaches in (
        (n.preceding.finditer(text, start, end), False),
        (ending.finditer(text, start, end), False),
        (n.reaching.finditer(text, start, end), True),
    ):
        for m in matches:
            if not any(a <= m.start() < b for a, b in pseudo):
                found.append((m.start(), m.end(), reaches))
    found.sort(key=lambda t: (-t[1], -t[2], t[0]))
    return found


def negation(text: str, start: int, end: int) -> bool | None:
    """Whether text[start:end] is negated: True ruled out, False not, None when a negation
    before it is about something else ("we can't hire Rust people": neither the team's
    language nor one ruled out)."""
    n = grammar().negation
    text = straight(text)
    if n.deflecting.search(text, start, end):
        return False  # "we can't hire fast enough" says hiring matters
    begin = clause_start(text, start)
    for trigger_start, trigger_end, reaches in _triggers(text, begin, start):
        if trigger_start >= start:
            continue
        between = text[trigger_end:start]
        if n.termination.search(between):
            continue  # "we don't use Java but Python"
        if not reaches and len(words(between)) > n.window:
            continue
        if n.deflecting.search(between):
            return None
        rest = text[end : scope_end(text, end)]
        return not n.undoing.search(rest)
    return bool(_patterns()[1].match(text, end))


def scope_start(text: str, pos: int) -> int:
    """Where what bears on `pos` from before may start: its clause's start, or just after the
    last termination word ("and", "but") in it."""
    begin = clause_start(text, pos)
    for term in grammar().negation.termination.finditer(text, begin, pos):
        begin = term.end()
    return begin


def scope_end(text: str, pos: int) -> int:
    """Where what bears on `pos` from after stops: its clause's end or a termination word."""
    stop = clause_end(text, pos)
    term = grammar().negation.termination.search(text, pos, stop)
    return term.start() if term else stop


def negates(text: str) -> bool:
    """True when `text` holds a negation anywhere (pseudo ones left out)."""
    return bool(_triggers(straight(text)))


def polarity(text: str) -> int:
    """NEGATIVE when `text` refuses or denies something, EITHER when its only negations are
    part of a requirement ("with no delay", "must not wait"), POSITIVE otherwise."""
    text = straight(text)
    if not negates(text):
        return POSITIVE
    rest = grammar().negation.requirement.pattern.sub(" ", text)
    return EITHER if not negates(rest) else NEGATIVE


def dismisses(text: str) -> bool:
    """True when `text` says something does not matter ("startup speed is irrelevant")."""
    return grammar().negation.dismissals.search(straight(text)) is not None
