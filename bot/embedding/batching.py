"""Query encoding for many chats at once: an LRU cache in front of a micro-batching worker.

Two ways in. `prefetch` (the Telegram adapter, from the event loop) queues a query for the
worker thread and returns a Future; `encode` (the engine, the CLI) blocks and, on a quiet
model, runs the pass in the caller's thread (waiting for company would only add latency).
Queries that arrive while a pass runs, or just after a shared one, queue, and the worker runs
them as one call of the model (up to 16, waiting at most 5 ms for company): on torch one
forward pass, far cheaper than a pass each (16 queries: about 50 ms, not 16 x 3.7); the int8
ONNX encoder runs it as a pass per length (onnx_minilm.UNPADDED).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError

import numpy as np
from cachetools import LRUCache

from bot.embedding.base import Embedder, release_memory

# A model that finished a shared pass this recently is serving many chats: the next query
# queues for a batch instead of running alone. Without this, a flood ran as passes of 1 and 15
# in turn (200 chats: 15 of 29 passes carried one query). One chat asking again and again
# never shared a pass, so it is never made to wait.
BUSY_WINDOW_S = 0.05


def normalise_query(text: str) -> str:
    """The cache key of a query: case and runs of whitespace do not change its meaning."""
    return " ".join(text.lower().split())


class BatchingEmbedder:
    """An Embedder that caches query vectors and batches concurrent requests.

    `max_batch` bounds a forward pass (16 queries); `max_wait_s` is how long a queued query
    waits for more to join it.
    """

    def __init__(
        self,
        inner: Embedder,
        max_batch: int = 16,
        max_wait_s: float = 0.005,
        cache_size: int = 4096,
    ) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self._max_batch, self._max_wait_s = max_batch, max_wait_s
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize=cache_size)
        self._cache_lock = threading.Lock()  # cachetools' caches are not thread-safe
        self._pending: list[tuple[str, Future[np.ndarray]]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._busy = False  # a forward pass is running (in the worker or a caller)
        self._last_done = 0.0  # time.monotonic() when the last forward pass ended
        self._last_size = 0  # how many queries it carried
        self._dirty = False  # passes ran since memory was last released
        self._worker = threading.Thread(target=self._run, name="embedder-batcher", daemon=True)
        self._worker.start()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised vectors of `texts`; cached ones are free, the rest join the next batch."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [normalise_query(t) for t in texts]
        rows = self._cached(keys)
        missing: dict[str, Future[np.ndarray]] = {
            key: Future() for key, row in zip(keys, rows, strict=True) if row is None
        }
        computed: dict[str, np.ndarray] = {}
        if missing:
            if len(missing) >= self._max_batch:
                # A bulk caller (index build, eval) is its own batch: no point queueing it.
                vectors = self.inner.encode(list(missing))
                for future, vector in zip(missing.values(), vectors, strict=True):
                    future.set_result(vector)
                with self._cond:
                    self._dirty = True
                    self._cond.notify()
            else:
                with self._cond:
                    idle = not self._busy and not self._pending and not self._under_load()
                    if idle:
                        self._busy = True
                    else:
                        self._pending += list(missing.items())
                        self._cond.notify()
                if idle:
                    # An idle model runs in the caller's thread: a hop to the worker thread
                    # doubled one query (6 -> 12 ms) once two threads had called torch.
                    self._run_batch(list(missing.items()))
            # Wait outside the lock: a waiter holding it kept every other chat from even
            # queueing, so each forward pass carried one query (200 chats: p99 13 s).
            computed = {key: future.result() for key, future in missing.items()}
            for key, vector in computed.items():
                self._store(key, vector)
        return np.stack(
            [
                row if row is not None else computed[key]
                for key, row in zip(keys, rows, strict=True)
            ]
        )

    def prefetch(self, text: str) -> Future[np.ndarray]:
        """Queue `text` for the next forward pass without blocking; its vector is then cached.

        For the event loop: the pass always runs in the worker thread, never the caller's.
        """
        key = normalise_query(text)
        future: Future[np.ndarray] = Future()
        (vector,) = self._cached([key])
        if vector is not None:
            future.set_result(vector)
            return future
        future.add_done_callback(lambda done: self._keep(key, done))
        with self._cond:
            self._pending.append((key, future))
            self._cond.notify()
        return future

    def _cached(self, keys: list[str]) -> list[np.ndarray | None]:
        """Each key's cached vector (None when absent); a hit becomes the most recent."""
        with self._cache_lock:
            return [self._cache.get(key) for key in keys]

    def _keep(self, key: str, done: Future[np.ndarray]) -> None:
        if not done.cancelled() and done.exception() is None:
            self._store(key, done.result())

    def _store(self, key: str, vector: np.ndarray) -> None:
        with self._cache_lock:
            self._cache[key] = vector

    def close(self) -> None:
        """Stop the worker thread (pending requests are still served)."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._worker.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._cond:
                while (self._busy or not self._pending) and not self._closed:
                    if self._dirty and not self._busy:
                        break
                    self._cond.wait()
                if self._closed and not self._pending:
                    return
                batch = None
                if not self._pending:  # quiet after passes: see release_memory
                    self._dirty = False
                else:
                    if self._under_load() and len(self._pending) < self._max_batch:
                        self._cond.wait_for(
                            lambda: len(self._pending) >= self._max_batch,
                            timeout=self._max_wait_s,
                        )
                    batch = self._pending[: self._max_batch]
                    del self._pending[: self._max_batch]
                    self._busy = True
            if batch is None:
                release_memory()
            else:
                self._run_batch(batch)

    def _under_load(self) -> bool:
        """The last pass was shared and ended just now: more queries are surely on their way."""
        recent = time.monotonic() - self._last_done < BUSY_WINDOW_S
        return self._last_size >= 2 and recent

    def _run_batch(self, batch: list[tuple[str, Future[np.ndarray]]]) -> None:
        """One forward pass for `batch`; frees the model and wakes the worker afterwards."""
        try:
            vectors = self.inner.encode([key for key, _ in batch])
        except BaseException as exc:  # the waiting chats must hear about it, not hang
            for _, future in batch:
                with contextlib.suppress(InvalidStateError):
                    future.set_exception(exc)
        else:
            for (_, future), vector in zip(batch, vectors, strict=True):
                # A chat that stopped waiting (its handler was cancelled) cancelled its future;
                # setting it would raise here and end the worker thread for every chat.
                with contextlib.suppress(InvalidStateError):
                    future.set_result(vector)
        finally:
            with self._cond:
                self._busy = False
                self._last_done, self._last_size = time.monotonic(), len(batch)
                self._dirty = True
                self._cond.notify()
