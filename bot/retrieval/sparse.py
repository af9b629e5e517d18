"""BM25 over passages with bm25s, behind a tokenizer that folds plurals and common suffixes
(the text layer's light stemmer, `bot.text.stem`: "APIs"/"api", "deploying"/"deploy")."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import bm25s  # type: ignore[import-untyped]
import numpy as np

from bot.text import stem, straight

# bm25s sets its own logger to DEBUG on import, which overrides LOG_LEVEL and prints a line
# on every index build; let the root level decide again.
logging.getLogger("bm25s").setLevel(logging.NOTSET)

_TOKEN = re.compile(r"[a-z0-9]+")
# Words that say nothing about which passage answers: English function words and the words
# every question to this bot contains ("framework", "backend").
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t don im its whats tell me say says said article framework frameworks backend backends
    use using good better best
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words of `text` ("Node.js" gives "node" and "js")."""
    words = _TOKEN.findall(straight(text).lower().replace("'", ""))
    return [stem(w) for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


class SparseIndex:
    """BM25 scores of every passage for a query (bm25s, Lucene variant)."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self._size = len(texts)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        self._bm25.index([tokenize(t) or ["<empty>"] for t in texts], show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each passage for `query`, in passage order (all zero: no shared word)."""
        tokens = [t for t in tokenize(query) if t in self._vocab]
        if not tokens:
            # bm25s reads the first token to tell words from ids, so an empty query must not
            # reach it.
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
