"""What the dialogue needs from retrieval, as a protocol: a leaf that imports nothing of bot/.

The engine and the answerer both type their retriever with it; the real one is
`bot.retrieval.Retriever`, and tests pass a scripted one (tests/support/fakes.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np


class Retriever(Protocol):
    """Searches passages for a query and scores every passage's relevance to it."""

    def search(self, query: str, k: int = 3, *, vector: np.ndarray | None = None) -> Any: ...

    def relevance(self, query: str, vector: np.ndarray | None = None) -> dict[str, float]: ...
