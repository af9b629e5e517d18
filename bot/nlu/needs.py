"""Needs in any words: a user's clause that says what a need says reaches the article's passage.

Each need of knowledge/needs.yaml is a handful of phrasings (plus, when a passage has one need
only, the passage itself and its glosses). The message is cut into clauses; a clause whose
MiniLM vector is close enough to a phrasing states that need. The phrasings are encoded once
and cached on disk (named after the model and a hash of the phrasings), so a message costs one
forward pass for its clauses, and none when it is a single clause whose vector is at hand.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.form import FormSpec
from bot.knowledge import KnowledgeBase
from bot.nlu.matches import NeedMatch
from bot.nlu.slots import Extraction, SlotExtractor
from bot.nlu.spelling import Speller
from bot.nlu.vectors import cached_vectors
from bot.text import EITHER, clause_spans, dismisses, grammar
from bot.text import polarity as clause_polarity
from bot.text import words as text_words
from bot.text.split import STRIP

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from bot.embedding import Embedder

log = logging.getLogger(__name__)

# A clause states the need it is most similar to when the similarity to one of the need's
# phrasings reaches NEED_THRESHOLD, beats every other need by NEED_GAP, and beats the
# statements of fact (`not_needs`). Calibrated on datasets/needs.dev.yaml (P 0.93, R 0.67 at
# 0.42) and the dev personas; `python -m bot eval` prints the dev optimum beside these.
NEED_THRESHOLD = 0.42
NEED_GAP = 0.0
# A clause means a slot value (intents/slots.yaml `means`) at this similarity or above, when
# no phrase named one. Dev utterances (with 12 paraphrases that name no cue): lexical only
# P 0.971 R 0.948; 0.50: P 0.967 R 0.981; 0.55: P 0.972 R 0.972; 0.60: P 0.972 R 0.967.
MEANING_THRESHOLD = 0.55
# Clauses with fewer content words than this, once the slots' phrases are left out, say too
# little to compare: "we're three Python devs building a site" is facts, not a need.
MIN_WORDS = 2
# A long ramble is cut at this many clauses (MiniLM reads them in one batch).
MAX_CLAUSES = 24


def _fillers() -> frozenset[str]:
    """Words that carry no need (intents/text.yaml `no_need`, people words and numbers)."""
    g = grammar()
    people = g.people
    families = (people.first_person, people.second_person, people.builders, people.anyone)
    said = {w for family in (*families, people.organisations) for w in family.phrases}
    return g.no_need | said | frozenset(g.numbers)


class NeedDetector:
    """Finds the needs of knowledge/needs.yaml a message states, in whatever words."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        cache_dir: Path | None = None,
        threshold: float = NEED_THRESHOLD,
        gap: float = NEED_GAP,
        subjects: tuple[str, ...] = (),
        passages: bool = False,
        meanings: Mapping[str, Sequence[str]] | None = None,
        meaning_threshold: float = MEANING_THRESHOLD,
    ) -> None:
        """`subjects`: names (languages, frameworks) left out of clauses and phrasings, so a
        clause that merely names a language is drawn to no need. `passages`: also compare with
        the article's own text (and glosses) of a passage that has one need; off, because on
        dev it lowered precision (0.84 -> 0.82 at the same recall): the article's words name
        frameworks and languages, not needs. `meanings`: "slot=value" -> phrasings of what
        the value means, read the same way (one batch) for `meanings_of`."""
        self.kb, self.embedder = kb, embedder
        self.meaning_threshold = meaning_threshold
        self.threshold, self.gap = threshold, gap
        names = {n.lower() for f in kb.frameworks.values() for n in (f.name, *f.aliases)}
        names |= {s.lower() for s in subjects}
        body = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n)
        self._subjects = (
            re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.IGNORECASE) if body else None
        )
        self.need_ids = tuple(kb.needs)
        per_passage: dict[str, int] = {}
        for need in kb.needs.values():
            per_passage[need.passage] = per_passage.get(need.passage, 0) + 1
        texts: list[str] = []
        owners: list[int] = []
        for n, need in enumerate(kb.needs.values()):
            phrasings = list(need.says)
            if per_passage[need.passage] == 1 and passages:
                # The passage speaks for its one need; glosses (issue 12) say it in other words.
                phrasings += [kb.passage(need.passage).text, *kb.glosses.get(need.passage, ())]
            texts += phrasings
            owners += [n] * len(phrasings)
        # The null class: a clause nearest to one of these states no need.
        texts += kb.not_needs
        owners += [len(self.need_ids)] * len(kb.not_needs)
        # Slot values by meaning, after the null class.
        self.meaning_ids = tuple(meanings or {})
        for m, label in enumerate(self.meaning_ids):
            phrasings = list((meanings or {})[label])
            texts += phrasings
            owners += [len(self.need_ids) + 1 + m] * len(phrasings)
        texts = [self._mask(t) for t in texts]
        self.phrasings = tuple(texts)
        self._owners = np.array(owners, dtype=np.int64)
        self._polarity = np.array([clause_polarity(t) for t in texts], dtype=np.int8)
        self._fillers = _fillers()
        self._cache_dir = cache_dir
        self._loaded: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def _vectors(self) -> np.ndarray:
        """The phrasings' vectors, encoded (or read from the cache) on first use.

        Not at construction: the engine is built while the model still loads in the
        background, and waiting for it here delayed the first reply to /start from about 2 s
        to 9 s (`make bench`, cold_start_s 8.8).
        """
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = _cached_vectors(
                        list(self.phrasings), self.embedder, self._cache_dir
                    )
        return self._loaded

    def _mask(self, text: str, spans: Sequence[tuple[int, int]] = ()) -> str:
        """`text` without the characters in `spans` and without subject names."""
        if spans:
            keep = bytearray(b"\x01") * len(text)
            for a, b in spans:
                keep[max(a, 0) : max(b, 0)] = b"\x00" * (max(b, 0) - max(a, 0))
            text = "".join(c if k else " " for c, k in zip(text, keep, strict=False))
        if self._subjects is not None:
            text = self._subjects.sub(" ", text)
        return " ".join(text.split()).strip(STRIP)

    def _clauses(
        self, text: str, explained: Sequence[tuple[int, int]] | None
    ) -> tuple[list[str], list[str]]:
        """The clauses worth comparing, as written and as compared (slot phrases and names
        left out); at most MAX_CLAUSES, so a long ramble is read in one batch."""
        if not len(self.need_ids):
            return [], []
        parts, masked = [], []
        for a, b in clause_spans(text):
            inside = [(x - a, y - a) for x, y in explained or () if x < b and y > a]
            rest = self._mask(text[a:b], inside)
            content = [w for w in text_words(rest) if w not in self._fillers]
            if len(content) >= MIN_WORDS:
                parts.append(text[a:b])
                masked.append(rest)
        return parts[:MAX_CLAUSES], masked[:MAX_CLAUSES]

    @staticmethod
    def _whole(text: str, masked: list[str]) -> bool:
        """True when the one clause to compare is the whole message (its vector will do)."""
        return len(masked) == 1 and masked[0] == text.strip(STRIP)

    def to_encode(
        self, text: str, explained: Sequence[tuple[int, int]] | None = None
    ) -> list[str]:
        """What `detect` will encode for `text` besides the message itself (to prefetch)."""
        _, masked = self._clauses(text, explained)
        return [] if self._whole(text, masked) else masked

    def scores(
        self,
        text: str,
        vector: np.ndarray | None = None,
        explained: Sequence[tuple[int, int]] | None = None,
    ) -> list[tuple[str, np.ndarray]]:
        """Each clause of `text` with its best similarity to every need (same polarity only).

        `explained`: spans the slots already read ("three Python devs", "serverless"); they
        are left out before comparing, so a clause that only states facts states no need.
        """
        return [(part, needs) for part, needs, _ in self._scores(text, vector, explained)]

    def _scores(
        self,
        text: str,
        vector: np.ndarray | None,
        explained: Sequence[tuple[int, int]] | None,
    ) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Each clause with its best similarity to every need and every slot meaning."""
        parts, masked = self._clauses(text, explained)
        if not parts:
            return []
        if vector is not None and self._whole(text, masked):
            vectors = np.asarray(vector, dtype=np.float32)[None, :]
        else:
            vectors = self.embedder.encode(masked)
        sims = vectors @ self._vectors.T
        out = []
        for part, rest, sim in zip(parts, masked, sims, strict=True):
            # "we don't need an admin" must not state the need for one: a clause and a
            # phrasing agree on negation or are not compared, unless one of them only
            # negates inside a requirement ("with no delay").
            polarity = clause_polarity(part)
            same = (self._polarity == polarity) | (self._polarity == EITHER) | (polarity == EITHER)
            row = np.where(same, sim, -1.0)
            n = len(self.need_ids)
            best = np.full(n + 1 + len(self.meaning_ids), -1.0)
            np.maximum.at(best, self._owners, row)
            needs, null, meanings = best[:n].copy(), best[n], best[n + 1 :].copy()
            if n and (null >= needs.max() or dismisses(part)):
                needs[:] = -1.0  # closer to a statement of fact than to any need, or dismissed
            if len(meanings) and null >= meanings.max():
                meanings[:] = -1.0
            if len(meanings) and self._mask(part) != rest:
                # A slot phrase was cut out of this clause: what is left ("the request runs a
                # ... before it can answer") is a fragment, no description of a value.
                meanings[:] = -1.0
            out.append((part, needs, meanings))
        return out

    def meanings_of(
        self,
        text: str,
        vector: np.ndarray | None = None,
        explained: Sequence[tuple[int, int]] | None = None,
    ) -> list[tuple[str, str, str, float]]:
        """(slot, value, clause, similarity) for each slot a clause of `text` means, best
        first: a clause means the value whose phrasings it is nearest to, above the threshold."""
        found: dict[str, tuple[str, str, str, float]] = {}
        for part, _, best in self._scores(text, vector, explained):
            if not len(best):
                continue
            m = int(np.argmax(best))
            if best[m] < self.meaning_threshold:
                continue
            slot, value = self.meaning_ids[m].split("=", 1)
            if slot not in found or best[m] > found[slot][3]:
                found[slot] = (slot, value, part, round(float(best[m]), 3))
        return sorted(found.values(), key=lambda f: -f[3])

    def detect(
        self,
        text: str,
        vector: np.ndarray | None = None,
        explained: Sequence[tuple[int, int]] | None = None,
    ) -> list[NeedMatch]:
        """The needs `text` states, best first, each with the clause that states it best.

        `vector` is the whole message's vector when the caller has it (a one-clause message
        then costs no encoding); `explained` the spans the slots read (see `scores`).
        """
        found: dict[int, NeedMatch] = {}
        for part, best in self.scores(text, vector, explained):
            n = int(np.argmax(best))
            score = float(best[n])
            runner_up = float(np.partition(best, -2)[-2]) if len(best) > 1 else -1.0
            if score < self.threshold or score - runner_up < self.gap:
                continue
            if n not in found or score > found[n].score:
                need = self.kb.needs[self.need_ids[n]]
                found[n] = NeedMatch(need.id, part, need.passage, round(score, 3))
        return sorted(found.values(), key=lambda m: -m.score)


def _cached_vectors(texts: list[str], embedder: Embedder, cache_dir: Path | None) -> np.ndarray:
    """Phrasing vectors, read from `cache_dir` when the model and the phrasings are unchanged."""
    digest = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:16]
    return cached_vectors(texts, embedder, "needs", digest, cache_dir)


class DescriptionReader:
    """Everything a description says: slot values (with the words behind them), values and
    frameworks it rules out, and the needs it states. What chat, `recommend` and `eval` share.
    """

    def __init__(
        self,
        spec: FormSpec,
        kb: KnowledgeBase,
        embedder: Embedder,
        cache_dir: Path | None = None,
        speller: Speller | None = None,
    ) -> None:
        """`speller` mends typos before reading ("Pyhton devs", "kotiln, serverles"); build it
        with the form's words (`form_words`), which name the facts a description states."""
        self.speller = speller
        self.extractor = SlotExtractor.for_knowledge(spec, kb)
        # What matters most ("boot in milliseconds" read as raw throughput) is a need as
        # well: its words stay in the clauses the needs are read from.
        self.wishes = frozenset(slot.name for slot in spec.slots if slot.wish)
        # The languages' own names say who the team is, never what it needs.
        subjects = tuple(
            phrase
            for slot in spec.slots
            if slot.several_values is not None
            for option in slot.options
            for phrase in option.synonyms
        )
        meanings = {
            f"{slot.name}={option.value}": option.means
            for slot in spec.slots
            for option in slot.options
            if option.means
        }
        self.needs = NeedDetector(kb, embedder, cache_dir, subjects=subjects, meanings=meanings)

    def mend(self, text: str) -> str:
        """`text` with its typos mended (as typed when the reader has no speller)."""
        return self.speller.correct(text) if self.speller is not None else text

    def to_encode(self, text: str, pending: str | None = None) -> list[str]:
        """The texts `read` will encode besides `mend(text)` itself (for a prefetch)."""
        text = self.mend(text)
        extraction = self.extractor.extract(text, pending)
        return self.needs.to_encode(text, extraction.explained(self.wishes))

    def read(
        self, text: str, pending: str | None = None, vector: np.ndarray | None = None
    ) -> Extraction:
        """The Extraction of `text`, typos mended, with its needs (`vector`: the mended
        text's, when at hand)."""
        text = self.mend(text)
        extraction = self.extractor.extract(text, pending)
        self.add_needs(text, vector, extraction)
        return extraction

    def add_needs(self, text: str, vector: np.ndarray | None, extraction: Extraction) -> None:
        """Detect the needs `text` states into `extraction` (slot values stay the words' own:
        filling slots from needs too cost dev precision 0.975 -> 0.962 for recall +0.005)."""
        explained = extraction.explained(self.wishes)
        extraction.needs = self.needs.detect(text, vector, explained)
        for slot, value, words, _ in self.needs.meanings_of(text, vector, explained):
            if slot in extraction.values or value in extraction.negated.get(slot, ()):
                continue
            extraction.values[slot] = value
            extraction.said[slot] = words
