"""Retrieval: embeddings, BM25, hybrid fusion and the on-disk passage index cache."""

from bot.retrieval.embedder import MODEL_NAME, Embedder, MiniLMEmbedder, load_embedder

__all__ = ["MODEL_NAME", "Embedder", "MiniLMEmbedder", "load_embedder"]
