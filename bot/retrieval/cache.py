"""Passage vectors cached on disk, keyed by model name and the knowledge's content hash."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from bot.embedding import Embedder
from bot.knowledge import KnowledgeBase

log = logging.getLogger(__name__)


def cache_path(cache_dir: Path, model_name: str, content_hash: str) -> Path:
    """Where the vectors of knowledge `content_hash` encoded by `model_name` live."""
    safe_model = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name)
    return cache_dir / f"passages-{safe_model}-{content_hash}.npy"


def _read(path: Path, rows: int, dim: int) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable index cache %s: %s", path, exc)
        return None
    if vectors.shape != (rows, dim):
        log.warning("ignoring index cache %s of shape %s", path, vectors.shape)
        return None
    return np.asarray(vectors, dtype=np.float32)


def _write_atomically(path: Path, vectors: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Another process starting at the same time may read the file: it must never see half.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, vectors, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def index_rows(kb: KnowledgeBase) -> tuple[list[str], np.ndarray]:
    """The texts encoded for the index, and the passage (index) each one belongs to.

    Every passage has its own text first, then one row per gloss (knowledge/glosses.yaml).
    """
    texts = [p.index_text for p in kb.passages]
    owner = list(range(len(kb.passages)))
    for n, passage in enumerate(kb.passages):
        for gloss in kb.glosses.get(passage.id, ()):
            texts.append(gloss)
            owner.append(n)
    return texts, np.array(owner, dtype=np.intp)


def _encoded(path: Path, texts: list[str], embedder: Embedder) -> tuple[np.ndarray, bool]:
    """The normalised vectors of `texts`, read from `path` when it holds them; whether it did."""
    if path.is_file():
        vectors = _read(path, len(texts), embedder.dim)
        if vectors is not None:
            return vectors, True
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    try:
        _write_atomically(path, vectors)
    except OSError as exc:  # a read-only DATA_DIR costs a re-encode per start, not the bot
        log.warning("cannot write the index cache %s: %s", path, exc)
    return vectors, False


def passage_vectors(
    kb: KnowledgeBase, embedder: Embedder, cache_dir: Path
) -> tuple[np.ndarray, bool]:
    """The index rows' normalised vectors (see `index_rows`) and whether they were cached."""
    texts, _ = index_rows(kb)
    return _encoded(cache_path(cache_dir, embedder.name, kb.content_hash), texts, embedder)


def off_topic_vectors(kb: KnowledgeBase, embedder: Embedder, cache_dir: Path) -> np.ndarray:
    """The normalised vectors of kb.off_topics, cached like the passages' (one encode ever)."""
    if not kb.off_topics:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    digest = hashlib.sha256("\x1e".join(kb.off_topics).encode()).hexdigest()[:16]
    path = cache_path(cache_dir, embedder.name, f"off-topics-{digest}")
    return _encoded(path, list(kb.off_topics), embedder)[0]
