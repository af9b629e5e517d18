"""The sentence-embedding model shared by retrieval and nlu: protocol, MiniLM, batching."""

from bot.embedding.base import Embedder

__all__ = ["Embedder"]
