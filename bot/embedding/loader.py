"""The process-wide encoder: the int8 ONNX MiniLM (default) or sentence-transformers on torch."""

from __future__ import annotations

import importlib.util
import threading

from bot.config import EmbedderKind
from bot.embedding.base import LoadingEmbedder
from bot.errors import UserError


class _Shared:
    """The models loaded in this process, by kind, and the threads each was loaded with."""

    models: dict[str, tuple[LoadingEmbedder, int | None]] = {}  # noqa: RUF012 (one per process)
    lock = threading.Lock()


def _new(kind: EmbedderKind, background: bool, threads: int | None) -> LoadingEmbedder:
    if kind == "onnx":
        from bot.embedding.onnx_minilm import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder(background=background, threads=threads)
    if kind == "torch":
        # Checked here, not in the loader thread: `run` fails before it polls, in one line.
        needed = ("torch", "sentence_transformers")
        missing = [name for name in needed if importlib.util.find_spec(name) is None]
        if missing:
            raise UserError(
                f"EMBEDDER=torch needs {' and '.join(missing)}, not installed here: "
                "pip install --no-deps -r requirements-torch.lock (or unset EMBEDDER)"
            )
        from bot.embedding.minilm import MiniLMEmbedder

        return MiniLMEmbedder(background=background, torch_threads=threads)
    raise ValueError(f"unknown embedder {kind!r} (onnx or torch)")


def load_embedder(
    kind: EmbedderKind = "onnx", background: bool = False, threads: int | None = None
) -> LoadingEmbedder:
    """The process-wide encoder of `kind`, loaded on first use (in a thread with `background`).

    `threads` bounds the runtime's threads for one pass (None: its default). A later call
    asking for other threads raises ValueError (None: whatever was loaded): the model is
    loaded once, and silently keeping the first call's would hide the mistake.
    """
    with _Shared.lock:
        if kind not in _Shared.models:
            _Shared.models[kind] = (_new(kind, background, threads), threads)
        model, loaded_with = _Shared.models[kind]
        if threads is not None and loaded_with != threads:
            raise ValueError(
                f"the {kind} model is already loaded with threads={loaded_with}, not {threads}"
            )
    if not background:
        model.wait()  # a caller that asked for a loaded model gets one, whoever loaded it first
    return model
