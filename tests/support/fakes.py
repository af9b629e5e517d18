"""Embedders for tests: a deterministic fake, and a wrapper that counts what a model encodes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class FakeEmbedder:
    """Deterministic vectors from a hash: enough for a pure test of control flow."""

    name, dim = "fake", 8

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim) for t in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)


class CountingEmbedder:
    """Another embedder (the real model, say), keeping every text it was asked to encode."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += texts
        return self.inner.encode(texts)  # type: ignore[no-any-return]


class ScriptedRetriever:
    """A retriever whose results are given per query: `results[query]`, else `default`.

    It records the queries it was asked, so a test can see what an answer searched for.
    """

    def __init__(self, results: dict[str, Any], default: Any) -> None:
        self.results, self.default = results, default
        self.queries: list[str] = []

    def search(self, query: str, k: int = 3, *, vector: Any = None) -> Any:
        """The scripted result for `query`."""
        self.queries.append(query)
        return self.results.get(query, self.default)

    def relevance(self, query: str, vector: Any = None) -> dict[str, float]:
        """No passage is relevant."""
        return {}
