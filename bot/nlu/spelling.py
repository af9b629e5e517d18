"""Typo tolerance: words nobody spells that way are mended to the knowledge's own words.

"djnago", "sprng boot", "fastpi", "concurency" become "django", "spring boot", "fastapi",
"concurrency". A word is mended only when it is not an English word (the model's own word
list says which are) and one edit (a swap counts as one) or two in a long word away from a
word the knowledge uses that starts with the same letter: a framework, an alias, a
technology it does not cover, a word of a passage or gloss. So "trust" never becomes "rust",
and "weather" stays the weather.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable

from cachetools import LRUCache, cachedmethod
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.form import FormSpec
from bot.knowledge import KnowledgeBase
from bot.text import inflects

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# Shorter words have too many neighbours one edit away to guess which was meant.
MIN_LENGTH = 4
# A turn mends its message several times (the prefetch, the resolver, the interpreter and
# the answer: 6 times a question over the e2e bench's questions, 0.04 ms each): the texts
# mended last are kept.
TEXTS_KEPT = 1024
# A description's four-letter words are mostly abbreviations one edit from a name ("perf" and
# Perl, "prod" and "pros"): the reader mends words of five letters or more.
DESCRIPTION_MIN_LENGTH = 5


def knowledge_words(kb: KnowledgeBase) -> set[str]:
    """Every word the knowledge uses, lower-cased: passages, glosses, names, aliases."""
    texts: list[str] = [p.text for p in kb.passages]
    texts += [g for glosses in kb.glosses.values() for g in glosses]
    texts += [" ".join((f.id, f.name, *f.aliases)) for f in kb.frameworks.values()]
    texts += [" ".join((t.name, *t.aliases)) for t in kb.uncovered]
    return {w.lower() for text in texts for w in _WORD.findall(text.replace("-", " "))}


def form_words(spec: FormSpec) -> set[str]:
    """Every word of the form's synonyms and cues, lower-cased: "kotlin", "serverless",
    "realtime", "gradle" (a description names its facts in these, not in the article's)."""
    texts: list[str] = []
    for slot in spec.slots:
        texts += slot.others
        for option in slot.options:
            texts += (*option.synonyms, *option.cues)
    return {w.lower() for text in texts for w in _WORD.findall(text.replace("-", " "))}


_LETTERS = re.compile(r"[A-Za-z]+")


class Speller:
    """Mends misspelt words against the knowledge's vocabulary (see the module docstring)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        dictionary: Iterable[str],
        extra: Iterable[str] = (),
        min_length: int = MIN_LENGTH,
        common: Iterable[str] = (),
    ) -> None:
        """`extra`: more words to mend towards (the form's, see `form_words`); words shorter
        than `min_length` are left as typed. `common`: the everyday words of the dictionary
        (`bot.embedding.files.common_words`), kept with it for telling a name from a word."""
        extra = {w.lower() for w in extra}
        self.min_length = min_length
        self.dictionary = frozenset(dictionary)
        self.common = frozenset(common)
        self.targets = sorted(w for w in knowledge_words(kb) | extra if len(w) >= min_length)
        self.known = self.dictionary | frozenset(self.targets) | frozenset(extra)
        self._cache: dict[str, str] = {}
        self._corrected: LRUCache[str, str] = LRUCache(maxsize=TEXTS_KEPT)
        self._corrected_lock = threading.Lock()
        # Two-word framework names ("spring boot"): a typo in one of two English words
        # ("sprint boot") leaves each word known, so the pair is mended as one.
        self.pairs = sorted(
            {
                name.lower()
                for f in kb.frameworks.values()
                for name in (f.name, *f.aliases)
                if len(name.split()) == 2 and len(name) >= 2 * self.min_length
            }
        )

    @classmethod
    def for_descriptions(
        cls, kb: KnowledgeBase, spec: FormSpec, dictionary: Iterable[str]
    ) -> Speller:
        """The speller a team description is read with: the form's words too, 5+ letters."""
        return cls(kb, dictionary, form_words(spec), DESCRIPTION_MIN_LENGTH)

    def _mend(self, word: str) -> str:
        lowered = word.lower()
        if len(lowered) < self.min_length or lowered in self.known or not lowered.isalpha():
            return word
        if inflects(lowered, self.known):
            return word  # the word list has few inflections: "crunches" is "crunch" + "es"
        if lowered not in self._cache:
            limit = 1 if len(lowered) < 8 else 2
            # Typos rarely touch the first letter; guessing past it turned "trustworthy"
            # (not in the model's word list) into "untrustworthy".
            same_start = [t for t in self.targets if t[0] == lowered[0]]
            best = process.extractOne(lowered, same_start, scorer=OSA.distance, score_cutoff=limit)
            self._cache[lowered] = best[0] if best is not None else lowered
        return self._cache[lowered] if self._cache[lowered] != lowered else word

    @cachedmethod(
        lambda self: self._corrected,
        key=lambda _, text: text,
        lock=lambda self: self._corrected_lock,
    )
    def correct(self, text: str) -> str:
        """`text` with its misspelt words mended (unchanged when none is)."""
        return self._mend_pairs(_WORD.sub(lambda m: self._mend(m.group(0)), text))

    def _mend_pairs(self, text: str) -> str:
        """`text` with a two-word framework name one typo away written right."""
        words = list(_LETTERS.finditer(text))
        out, at = [], 0
        for first, second in itertools.pairwise(words):
            if first.start() < at or text[first.end() : second.start()] != " ":
                continue
            pair = f"{first.group(0)} {second.group(0)}".lower()
            if pair in self.pairs:
                continue
            best = process.extractOne(pair, self.pairs, scorer=OSA.distance, score_cutoff=1)
            if best is not None and best[0][0] == pair[0]:
                out += [text[at : first.start()], best[0]]
                at = second.end()
        return "".join([*out, text[at:]])
