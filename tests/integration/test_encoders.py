"""The int8 ONNX encoder (the default) against sentence-transformers on torch: both real models."""

from __future__ import annotations

import numpy as np
import pytest

from bot.evaluation.encoders import compare, dev_texts

pytestmark = pytest.mark.model


def test_the_onnx_encoder_follows_sentence_transformers_on_every_dev_text(
    onnx_embedder, torch_embedder, kb, repo
):
    # Measured with int8 arithmetic (bot/embedding/int8_graph.py): cosine min 0.9972, mean
    # 0.9992 on 1278 dev texts; the same nearest index row for 95.7% of them (near ties among
    # 328 rows).
    found = compare(onnx_embedder, torch_embedder, dev_texts(repo / "datasets"), kb)
    assert found.texts >= 1100
    assert found.cosine_min >= 0.99, found.worst
    assert found.cosine_mean >= 0.999
    assert found.neighbours >= 0.93


def test_a_long_text_is_cut_where_sentence_transformers_cuts_it(onnx_embedder, torch_embedder):
    # tokenizer.json cuts at 128 word pieces, sentence-transformers at 256: a text whose pieces
    # 129-256 change the subject tells them apart (cosine to torch's 0.885 cut at 128, 0.746
    # at 512; it has 692).
    text = " ".join(["django admin panel orm"] * 30 + ["kubernetes autoscaling pods"] * 60)
    onnx, torch = onnx_embedder.encode([text]), torch_embedder.encode([text])
    assert float(onnx[0] @ torch[0]) >= 0.99
    pieces = onnx_embedder._tokenizer.encode(text)
    assert len(pieces.ids) == 256


def test_a_text_encodes_alike_alone_and_in_a_padded_batch(onnx_embedder, kb):
    texts = ["Django", "Which framework suits a large Java team building long-lived services?"]
    texts += [p.text for p in list(kb.passages)[:40]]  # more than one chunk, mixed lengths
    together = onnx_embedder.encode(texts)
    alone = np.concatenate([onnx_embedder.encode([text]) for text in texts])
    assert together.shape == (len(texts), 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)
