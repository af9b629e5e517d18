"""A family of words or phrases from intents/*.yaml, matched as whole words: one regex each.

Inside a phrase a space matches spaces or a hyphen, a hyphen matches a hyphen, a space or
nothing ("write-up": "writeup", "write up"), and `*` stands for any one word. Matching is
case-insensitive and bounded by non-word characters, so "no" never matches inside "node".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# One word as `*` in a phrase reads it: "none of our *" is "none of our devs".
ANY_WORD = r"[\w.#+/'-]+"
# Word characters: a phrase never starts or ends next to one.
_EDGE_BEFORE = r"(?<![\w])"
_EDGE_AFTER = r"(?![\w])"


def phrase_body(phrase: str) -> str:
    """The regex of one phrase (see the module docstring), without its edges."""
    out = []
    for word in phrase.split():
        if word == "*":
            out.append(ANY_WORD)
        else:
            pieces = [re.escape(piece) for piece in word.split("-")]
            out.append(r"[\s-]?".join(pieces) if all(pieces) else re.escape(word))
    return r"[\s-]+".join(out)


class Phrases:
    """Words and phrases matched as whole words, the longest first where several start at
    the same character."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(dict.fromkeys(p.strip().lower() for p in phrases if p.strip()))
        ordered = sorted(self.phrases, key=len, reverse=True)
        # A family may be empty: its pattern then matches nothing.
        self.body = "|".join(phrase_body(p) for p in ordered) or r"(?!)"
        self.pattern = re.compile(rf"{_EDGE_BEFORE}(?:{self.body}){_EDGE_AFTER}", re.IGNORECASE)
        self.words = frozenset(p for p in self.phrases if " " not in p)

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def __or__(self, other: Phrases) -> Phrases:
        return Phrases((*self.phrases, *other.phrases))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        """The first phrase in text[pos:endpos], or None."""
        return self.pattern.search(text, pos, len(text) if endpos is None else endpos)

    def finditer(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[re.Match[str]]:
        """Every phrase in text[pos:endpos], left to right, none overlapping."""
        return self.pattern.finditer(text, pos, len(text) if endpos is None else endpos)

    def group(self) -> str:
        """The phrases as a regex group with their edges, to build a larger pattern."""
        return f"{_EDGE_BEFORE}(?:{self.body}){_EDGE_AFTER}"
