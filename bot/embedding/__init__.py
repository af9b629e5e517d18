"""The sentence-embedding model shared by retrieval and nlu: protocol, encoders, batching.

Two encoders of all-MiniLM-L6-v2: int8 ONNX on onnxruntime (onnx_minilm, the default, no
torch) and sentence-transformers on torch (minilm, EMBEDDER=torch, the reference);
`loader.load_embedder` picks one. Importing this package loads neither runtime.
"""

from bot.embedding.base import Embedder

__all__ = ["Embedder"]
