"""Vectors of fixed phrasings (intent examples, needs), cached on disk per model and content."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from bot.embedding import Embedder

log = logging.getLogger(__name__)


def cached_vectors(
    texts: list[str], embedder: Embedder, kind: str, content_hash: str, cache_dir: Path | None
) -> np.ndarray:
    """The vectors of `texts`, read from `cache_dir` when the model and `content_hash` match.

    `kind` names the file ("intents", "needs"); a file of the wrong shape or an unreadable
    one is encoded again, and a cache that cannot be written costs an encode per start.
    """
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    # The encoder's name is part of the file name: vectors of another encoder (EMBEDDER=torch
    # against onnx) are never read back, and switching re-encodes.
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", embedder.name)
    path = cache_dir / f"{kind}-{name}-{content_hash}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            vectors = np.load(path)
            if vectors.shape == (len(texts), embedder.dim):
                return np.asarray(vectors, dtype=np.float32)
        except (OSError, ValueError):
            log.warning("ignoring unreadable %s cache %s", kind, path)
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError:
            log.warning("cannot write %s cache %s", kind, path)
    return vectors
