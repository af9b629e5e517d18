"""Retrieval: BM25, hybrid fusion, scope and the on-disk passage index cache.

It returns results (`RetrievalResult`), never replies: dialogue composes those.
"""

from bot.retrieval.fusion import DEFAULT_FUSION, Fusion
from bot.retrieval.retriever import Hit, RetrievalResult, Retriever, build_retriever

__all__ = [
    "DEFAULT_FUSION",
    "Fusion",
    "Hit",
    "RetrievalResult",
    "Retriever",
    "build_retriever",
]
