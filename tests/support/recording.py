"""A recording engine: the real engine, recording each turn and how many ran at once."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

from bot.replies import DialogueState, InlineAnswer, Reply, Turn


class RecordingEngine:
    """The real engine, recording each turn and how many turns ever ran at once."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.turns: list[Turn] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def needs_model(self, turn: Turn) -> bool:
        """As the real engine."""
        return bool(self.engine.needs_model(turn))

    def prefetch(self, turn: Turn, state: DialogueState | None = None) -> Future[Any] | None:
        """As the real engine."""
        return self.engine.prefetch(turn, state)  # type: ignore[no-any-return]

    def prefetch_inline(self, query: str) -> Future[Any] | None:
        """As the real engine."""
        return self.engine.prefetch_inline(query)  # type: ignore[no-any-return]

    def inline(self, query: str) -> InlineAnswer:
        """As the real engine."""
        return self.engine.inline(query)  # type: ignore[no-any-return]

    def handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        """The real engine's turn, counted."""
        with self._lock:
            self.turns.append(turn)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            return self.engine.handle(state, turn)  # type: ignore[no-any-return]
        finally:
            with self._lock:
                self.running -= 1
