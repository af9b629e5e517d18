"""Retrieval: embeddings, BM25, hybrid fusion and the on-disk passage index cache."""

from bot.retrieval.embedder import MODEL_NAME, Embedder, MiniLMEmbedder, load_embedder
from bot.retrieval.fusion import DEFAULT_FUSION, Fusion
from bot.retrieval.retriever import Hit, RetrievalResult, Retriever, build_retriever

__all__ = [
    "DEFAULT_FUSION",
    "MODEL_NAME",
    "Embedder",
    "Fusion",
    "Hit",
    "MiniLMEmbedder",
    "RetrievalResult",
    "Retriever",
    "build_retriever",
    "load_embedder",
]
