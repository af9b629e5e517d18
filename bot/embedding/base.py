"""The Embedder protocol, and what every encoder shares: loading in a thread, freeing memory."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.errors import UserError

if TYPE_CHECKING:
    import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class LoadingEmbedder(Embedder, Protocol):
    """An Embedder whose model may still be loading: `wait` blocks until it has (or failed)."""

    def wait(self) -> None: ...


class LoadedModel:
    """A model loaded once, here or in a thread of its own; `wait` blocks until it is ready.

    Subclasses set their attributes, then call `__init__`, and implement `_load`.
    """

    def __init__(self, background: bool) -> None:
        self._error: BaseException | None = None
        self._ready = threading.Event()
        # The runtimes release the GIL while encoding, but one model must not run two batches
        # at once.
        self._lock = threading.Lock()
        if background:
            # Not a daemon: the interpreter waits for it at exit. Exiting while it was inside
            # torch aborted the process ("terminate called without an active exception",
            # exit -6): SIGTERM 6.5 s after `run` started, mid-trace, did so.
            threading.Thread(target=self._load_reporting, name="model-loader").start()
        else:
            self._load_reporting()
            self.wait()

    def _load(self) -> None:
        raise NotImplementedError

    def _load_reporting(self) -> None:
        try:
            self._load()
        except BaseException as exc:  # whoever waits for the model must hear why it failed
            self._error = exc
        finally:
            self._ready.set()

    def wait(self) -> None:
        """Block until the model is loaded; re-raise what stopped it from loading."""
        self._ready.wait()
        if isinstance(self._error, UserError):
            raise self._error
        if self._error is not None:
            raise RuntimeError(f"the embedding model failed to load: {self._error}") from (
                self._error
            )


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
    pass over long passages frees large blocks: encoding the 64 passages left RSS 58 MB higher
    (torch), 16 MB after a trim.
    """
    if _trim is not None:
        _trim(0)
