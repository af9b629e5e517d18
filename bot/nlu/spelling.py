"""Typo tolerance: words nobody spells that way are mended to the knowledge's own words.

"djnago", "sprng boot", "fastpi", "concurency" become "django", "spring boot", "fastapi",
"concurrency". A word is mended only when it is not an English word (the model's own word
list says which are) and one edit (a swap counts as one) or two in a long word away from a
word the knowledge uses that starts with the same letter: a framework, an alias, a
technology it does not cover, a word of a passage or gloss. So "trust" never becomes "rust",
and "weather" stays the weather.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge import KnowledgeBase

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Shorter words have too many neighbours one edit away to guess which was meant.
MIN_LENGTH = 4


def knowledge_words(kb: KnowledgeBase) -> set[str]:
    """Every word the knowledge uses, lower-cased: passages, glosses, names, aliases."""
    texts: list[str] = [p.text for p in kb.passages]
    texts += [g for glosses in kb.glosses.values() for g in glosses]
    texts += [" ".join((f.id, f.name, *f.aliases)) for f in kb.frameworks.values()]
    texts += [" ".join((t.name, *t.aliases)) for t in kb.uncovered]
    return {w.lower() for text in texts for w in _WORD.findall(text.replace("-", " "))}


class Speller:
    """Mends misspelt words against the knowledge's vocabulary (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase, dictionary: Iterable[str]) -> None:
        self.targets = sorted(w for w in knowledge_words(kb) if len(w) >= MIN_LENGTH)
        self.known = frozenset(dictionary) | frozenset(self.targets)
        self._cache: dict[str, str] = {}

    def _mend(self, word: str) -> str:
        lowered = word.lower()
        if len(lowered) < MIN_LENGTH or lowered in self.known or not lowered.isalpha():
            return word
        if lowered not in self._cache:
            limit = 1 if len(lowered) < 8 else 2
            # Typos rarely touch the first letter; guessing past it turned "trustworthy"
            # (not in the model's word list) into "untrustworthy".
            same_start = [t for t in self.targets if t[0] == lowered[0]]
            best = process.extractOne(lowered, same_start, scorer=OSA.distance, score_cutoff=limit)
            self._cache[lowered] = best[0] if best is not None else lowered
        return self._cache[lowered] if self._cache[lowered] != lowered else word

    def correct(self, text: str) -> str:
        """`text` with its misspelt words mended (unchanged when none is)."""
        return _WORD.sub(lambda m: self._mend(m.group(0)), text)
