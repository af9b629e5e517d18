"""Which of many phrases a text can contain, found by its words: one dict lookup per word.

The slot extractor tries about 1,850 phrases on every message and the scope check about 600
names; a substring test for each cost 0.7 ms a message, paid twice per question on the event
loop. Every phrase here is matched by a pattern bounded by non-word characters at both ends,
so each run of word characters in the phrase is a whole run of word characters in any text it
matches: a phrase whose longest run is not among the text's runs cannot match, and its regex
is skipped. Aho-Corasick (pyahocorasick) finds substrings and would still need this test.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

_WORDS = re.compile(r"\w+")


def words(text: str) -> set[str]:
    """The runs of word characters in `text`, lowercased."""
    return set(_WORDS.findall(text.lower()))


class WordIndex(Generic[T]):
    """Items keyed by a phrase; `candidates` keeps their order and drops the impossible ones."""

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self._items: list[T] = []
        self._always: list[int] = []  # no word characters to key on (a bare regex)
        self._by_word: dict[str, list[int]] = {}
        for position, (phrase, item) in enumerate(items):
            self._items.append(item)
            runs = _WORDS.findall(phrase.lower())
            if runs:
                self._by_word.setdefault(max(runs, key=len), []).append(position)
            else:
                self._always.append(position)

    def __len__(self) -> int:
        return len(self._items)

    def candidates(self, text_words: set[str]) -> list[T]:
        """The items whose phrase may occur in a text with these `words`, in insertion order."""
        hits = list(self._always)
        for word in text_words:
            hits += self._by_word.get(word, ())
        hits.sort()
        return [self._items[position] for position in hits]
