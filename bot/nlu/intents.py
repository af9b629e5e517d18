"""Intent detection: exact keywords first, then the nearest MiniLM examples with a margin."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.embedding import Embedder
from bot.form import FormSpec
from bot.nlu.vectors import cached_vectors

log = logging.getLogger(__name__)

# Below this cosine similarity to every example, a message means nothing we know.
MIN_SCORE = 0.45
# The best intent must beat the best other intent by this much to count.
MIN_MARGIN = 0.03


def normalise(text: str) -> str:
    """Lower-case, punctuation at the ends dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", text.lower()).strip(" .!,;:")


@dataclass(frozen=True, slots=True)
class IntentResult:
    """The detected intent (None when unsure), its similarity and margin over the next one."""

    intent: str | None
    score: float
    margin: float
    keyword: bool = False


class IntentClassifier:
    """Nearest-example intent classifier over the examples declared in intents/intents.yaml."""

    def __init__(self, spec: FormSpec, embedder: Embedder, cache_dir: Path | None = None) -> None:
        self.spec = spec
        self._keywords = {kw: i.name for i in spec.intents for kw in i.keywords}
        self._labels = [i.name for i in spec.intents for _ in i.examples]
        examples = [e for i in spec.intents for e in i.examples]
        self._names = [i.name for i in spec.intents]
        self._vectors = cached_vectors(examples, embedder, "intents", spec.content_hash, cache_dir)
        self._label_index = np.array([self._names.index(n) for n in self._labels])

    @property
    def names(self) -> tuple[str, ...]:
        """Every intent `classify` can return (besides None)."""
        return tuple(self._names)

    def keyword(self, text: str) -> str | None:
        """The intent a whole message names exactly ("skip", "go back"), or None."""
        return self._keywords.get(normalise(text))

    def classify(self, text: str, vector: np.ndarray | None) -> IntentResult:
        """The intent of `text`: keyword match, else nearest examples of `vector`."""
        named = self.keyword(text)
        if named is not None:
            return IntentResult(named, 1.0, 1.0, keyword=True)
        if vector is None or not len(self._vectors):
            return IntentResult(None, 0.0, 0.0)
        sims = self._vectors @ vector
        best = np.full(len(self._names), -1.0)
        np.maximum.at(best, self._label_index, sims)
        order = np.argsort(-best)
        top, second = float(best[order[0]]), float(best[order[1]])
        name = self._names[int(order[0])]
        if top < MIN_SCORE or top - second < MIN_MARGIN:
            return IntentResult(None, top, top - second)
        return IntentResult(name, top, top - second)
