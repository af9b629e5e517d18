import threading

import numpy as np
import pytest

from bot.embedding.batching import BatchingEmbedder, normalise_query


class FakeEmbedder:
    """Deterministic 4-dim vectors; records the batches it was asked to encode."""

    name, dim = "fake", 4

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.fail = fail
        self.gate = threading.Event()
        self.gate.set()

    def encode(self, texts):
        self.gate.wait(5)
        if self.fail:
            raise RuntimeError("model exploded")
        self.calls.append(list(texts))
        return np.array([[len(t), t.count("a"), 1.0, 0.0] for t in texts], dtype=np.float32)


@pytest.fixture
def fake():
    return FakeEmbedder()


def test_cache_hits_skip_the_model_and_normalise_case_and_spaces(fake):
    embedder = BatchingEmbedder(fake)
    first = embedder.encode(["Is Django  good?"])
    second = embedder.encode(["is django good?"])
    assert np.array_equal(first, second)
    assert fake.calls == [["is django good?"]]
    embedder.close()


def test_concurrent_queries_share_one_forward_pass(fake):
    embedder = BatchingEmbedder(fake, max_batch=8, max_wait_s=0.5)
    fake.gate.clear()  # hold the first batch so the others queue behind it
    results: dict[str, np.ndarray] = {}
    threads = [
        threading.Thread(target=lambda q=q: results.update({q: embedder.encode([q])[0]}))
        for q in [f"query {n}" for n in range(9)]
    ]
    for thread in threads:
        thread.start()
    fake.gate.set()
    for thread in threads:
        thread.join(10)
    assert len(results) == 9
    assert sum(len(batch) for batch in fake.calls) == 9
    assert len(fake.calls) < 9
    for query, vector in results.items():
        assert vector[0] == len(normalise_query(query))
    embedder.close()


def test_a_model_failure_reaches_every_waiting_caller():
    embedder = BatchingEmbedder(FakeEmbedder(fail=True))
    with pytest.raises(RuntimeError, match="model exploded"):
        embedder.encode(["anything"])
    embedder.close()


def test_lru_evicts_the_oldest(fake):
    embedder = BatchingEmbedder(fake, cache_size=2)
    for text in ["a", "b", "c", "a"]:
        embedder.encode([text])
    assert [batch[0] for batch in fake.calls] == ["a", "b", "c", "a"]
    embedder.close()


class GatedEmbedder(FakeEmbedder):
    """A FakeEmbedder that says when a forward pass has begun."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()

    def encode(self, texts):
        self.entered.set()
        return super().encode(texts)


def test_queries_queue_and_cache_hits_answer_while_a_forward_pass_runs():
    fake = GatedEmbedder()
    embedder = BatchingEmbedder(fake)
    embedder.encode(["cached"])
    fake.entered.clear()
    fake.gate.clear()  # the next forward pass blocks until the gate opens
    first = threading.Thread(target=lambda: embedder.encode(["first"]))
    first.start()
    assert fake.entered.wait(5)
    # A waiter once held the cache lock until its vector came back: every other chat then
    # waited for the model, even for a cached query, and batches carried one query each.
    assert np.array_equal(embedder.encode(["Cached"]), embedder.encode(["cached"]))
    second = threading.Thread(target=lambda: embedder.encode(["second"]))
    second.start()
    for _ in range(500):
        if embedder._pending:
            break
        second.join(0.01)
    assert [key for key, _ in embedder._pending] == ["second"]
    fake.gate.set()
    first.join(5)
    second.join(5)
    assert fake.calls == [["cached"], ["first"], ["second"]]
    embedder.close()


def test_a_cancelled_prefetch_does_not_stop_the_worker():
    fake = GatedEmbedder()
    embedder = BatchingEmbedder(fake)
    fake.gate.clear()
    held = embedder.prefetch("held in a pass")
    assert fake.entered.wait(5)
    gone = embedder.prefetch("its chat stopped waiting")
    assert gone.cancel()
    fake.gate.set()
    assert held.result(5)[0] == len("held in a pass")
    # The worker survived setting a result on the cancelled future and serves the next chat.
    assert embedder.prefetch("next chat").result(5)[0] == len("next chat")
    assert embedder.encode(["next chat"])[0][0] == len("next chat")
    embedder.close()


@pytest.mark.parametrize(
    ("module", "name"), [("minilm", "MiniLMEmbedder"), ("onnx_minilm", "OnnxMiniLMEmbedder")]
)
def test_the_background_model_loader_is_waited_for_at_exit(monkeypatch, module, name):
    """A daemon loader still inside torch when the interpreter exits aborts the process (-6)."""
    import importlib

    encoder = getattr(importlib.import_module(f"bot.embedding.{module}"), name)
    seen: list[bool] = []

    def load(self: object) -> None:
        seen.append(threading.current_thread().daemon)

    monkeypatch.setattr(encoder, "_load", load)
    encoder(background=True).wait()
    assert seen == [False]
