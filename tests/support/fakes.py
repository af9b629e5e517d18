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
