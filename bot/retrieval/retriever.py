"""Hybrid retrieval: dense cosine and BM25 fused into one ranking with a scope decision."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.embedding import Embedder
from bot.knowledge import KnowledgeBase, Passage
from bot.knowledge.mentions import mentioned_frameworks, mentioned_uncovered, uncovered_subjects
from bot.retrieval.cache import index_rows, off_topic_vectors, passage_vectors
from bot.retrieval.fusion import DEFAULT_FUSION, Fusion
from bot.retrieval.index_text import indexed_text
from bot.retrieval.off_topic import OFF_TOPIC_MARGIN, off_topic_gap
from bot.retrieval.sparse import SparseIndex


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage and its fused score (roughly 0..1)."""

    passage: Passage
    score: float


@dataclass(frozen=True, slots=True)
class RetrievalResult:
    """The best passages for a query, best first, and what to make of them.

    `in_scope` is False when even the best passage scores under the threshold; `close_call`
    is True when an unrelated passage scores nearly as well as the best one.
    """

    query: str
    hits: list[Hit]
    in_scope: bool
    close_call: bool
    # Frameworks the query names (never declined), and technologies the knowledge lacks.
    frameworks: tuple[str, ...] = ()
    uncovered: tuple[str, ...] = ()
    # The best passage cleared the scope threshold on its own (not just a framework's name).
    topical: bool = True
    # The off-topic description (knowledge/off_topics.yaml) that declined the query, if one did.
    off_topic: str | None = None
    # How much nearer (cosine) the nearest off-topic description is than the best passage.
    off_topic_gap: float = float("-inf")


class Retriever:
    """Searches a knowledge base; build it with `build_retriever`."""

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        vectors: np.ndarray,
        sparse: SparseIndex,
        fusion: Fusion = DEFAULT_FUSION,
        off_topics: np.ndarray | None = None,
    ) -> None:
        self.kb, self.embedder, self.fusion = kb, embedder, fusion
        self.vectors, self.sparse = vectors, sparse
        # Rows of kb.off_topics' vectors (none: the null class is off).
        self.off_topics = off_topics if off_topics is not None else np.zeros((0, 1), np.float32)
        # Which passage each row of `vectors` belongs to: its own text, then its glosses.
        self.owner = index_rows(kb)[1]
        # Where each row's cosine goes in the passages' table of phrasings (see
        # `component_scores`): the passage's row, and the phrasing's column in it.
        seen: Counter[int] = Counter()
        slots = []
        for passage in self.owner.tolist():
            slots.append(seen[passage])
            seen[passage] += 1
        self._slot = np.array(slots, dtype=np.intp)
        self._width = max(seen.values(), default=1)
        self.related = _relatives(kb)
        self._index = {p.id: n for n, p in enumerate(kb.passages)}

    def search(self, query: str, k: int = 3, vector: np.ndarray | None = None) -> RetrievalResult:
        """The `k` best passages for `query`; pass `vector` when the query is already encoded."""
        if vector is None and self.fusion.needs_dense:
            vector = self.embedder.encode([query])[0]
        return self._search(query, k, vector)

    def relevance(self, query: str, vector: np.ndarray | None = None) -> dict[str, float]:
        """The fused score of every passage for `query`, by passage id."""
        if vector is None and self.fusion.needs_dense:
            vector = self.embedder.encode([query])[0]
        fused = self.fusion.scores(*self.component_scores(query, vector))
        return {p.id: float(score) for p, score in zip(self.kb.passages, fused, strict=True)}

    def search_many(self, queries: list[str], k: int = 3) -> list[RetrievalResult]:
        """`search` for each query, encoding them all in one batch."""
        if not queries:
            return []
        if not self.fusion.needs_dense:
            return [self._search(q, k, None) for q in queries]
        vectors = self.embedder.encode(queries)
        return [self._search(q, k, v) for q, v in zip(queries, vectors, strict=True)]

    def component_scores(
        self, query: str, vector: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense cosines and raw BM25 scores of every passage (for evaluation and tuning).

        The dense table has a row per passage: the cosines of its phrasings (its own text and
        its glosses), closest first, NaN where it has fewer phrasings than the widest row.
        """
        if vector is None:
            return np.zeros(len(self.kb.passages), dtype=np.float32), self.sparse.scores(query)
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        dense = np.full((len(self.kb.passages), self._width), np.nan, dtype=np.float32)
        dense[self.owner, self._slot] = sims
        # Closest first, NaN last: negate, sort ascending (NaN sorts last), negate back.
        return -np.sort(-dense, axis=1), self.sparse.scores(query)

    def runner_up_gap(self, fused: np.ndarray, order: np.ndarray) -> float | None:
        """How far the best passage leads the best one that is not part of it (None: none)."""
        if len(order) < 2:
            return None
        related = self.related[self.kb.passages[order[0]].id]
        runner_up = next((i for i in order[1:] if self.kb.passages[i].id not in related), None)
        return None if runner_up is None else float(fused[order[0]] - fused[runner_up])

    def _search(self, query: str, k: int, vector: np.ndarray | None) -> RetrievalResult:
        dense, bm25 = self.component_scores(query, vector)
        fused = self.fusion.scores(dense, bm25)
        scope = self.fusion.scope_score(dense, bm25, fused) if query.strip() else 0.0
        named = tuple(mentioned_frameworks(query, self.kb, languages=True))
        uncovered = tuple(name for name, _ in mentioned_uncovered(query, self.kb))
        topical = scope >= self.fusion.threshold
        order = np.argsort(-fused, kind="stable")
        if named and not topical:
            # Nothing answers the question itself, and a framework the article names is never
            # declined: lead with where the article speaks of each one best (its `source`).
            first = list(dict.fromkeys(self._index[self.kb.frameworks[f].source] for f in named))
            order = np.array(first + [i for i in order if i not in first])
        hits = [Hit(self.kb.passages[i], float(fused[i])) for i in order[: max(k, 0)]]
        if named:
            in_scope = True
        elif uncovered_subjects(query, self.kb):
            # "Is Kafka good for real-time?" matches the article's words but asks about Kafka:
            # only a much closer match than usual means the article answers part of it.
            in_scope = scope >= self.fusion.uncovered_threshold
        else:
            in_scope = topical
        off_topic = None
        row, off_gap = off_topic_gap(vector, float(np.nanmax(dense)), self.off_topics)
        if in_scope and off_gap >= OFF_TOPIC_MARGIN and row is not None:
            # A question nearer a topic the article never discusses than any passage is declined,
            # a framework's name included: the name pulls the question towards the passages, so
            # what still ends nearer an off-topic ("flyway or liquibase for migrations in spring
            # boot?") asks about that topic. On dev no in-scope question naming one comes within
            # 0.035 of the margin (the closest at 0.007 torch, 0.008 onnx).
            in_scope, topical, off_topic = False, False, self.kb.off_topics[row]
        gap = self.runner_up_gap(fused, order)
        close_call = in_scope and topical and gap is not None and gap < self.fusion.margin
        return RetrievalResult(
            query, hits, in_scope, close_call, named, uncovered, topical, off_topic, off_gap
        )


def _relatives(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """For each passage, the passages it contains or is contained in (and itself)."""
    related: dict[str, set[str]] = {p.id: {p.id} for p in kb.passages}
    for passage in kb.passages:
        for ancestor in kb.ancestors(passage.id):
            if ancestor in related:
                related[passage.id].add(ancestor)
                related[ancestor].add(passage.id)
    return {pid: frozenset(ids) for pid, ids in related.items()}


def build_retriever(
    kb: KnowledgeBase, embedder: Embedder, cache_dir: Path, fusion: Fusion = DEFAULT_FUSION
) -> Retriever:
    """A Retriever over `kb`; passage vectors come from `cache_dir` when already encoded."""
    vectors, _ = passage_vectors(kb, embedder, cache_dir)
    # Glosses are dense rows only: added to BM25's documents they cost out-of-scope questions
    # on dev (declined 0.973 -> 0.892 at the same threshold) for no gain in hit@3.
    sparse = SparseIndex([indexed_text(p, kb) for p in kb.passages])
    return Retriever(
        kb, embedder, vectors, sparse, fusion, off_topic_vectors(kb, embedder, cache_dir)
    )
