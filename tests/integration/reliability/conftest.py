"""Reliability fixtures: bot processes killed at teardown, trial count, a recording engine."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from bot_process import BotProcess

from bot.dialogue.types import DialogueState, Reply, Turn
from bot.testing.bot_api import FakeBotAPI
from bot.testing.harness import BotHarness


@pytest.fixture
def trials(request: pytest.FixtureRequest) -> int:
    """How many (chat, kill) trials the crash test runs per storage."""
    return int(os.environ.get("SOAK_TRIALS") or 20)


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    """Bot processes a test started; any still running are killed at teardown."""
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.stop()


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

    def prefetch(self, turn: Turn) -> Future[Any] | None:
        """As the real engine."""
        return self.engine.prefetch(turn)  # type: ignore[no-any-return]

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


@pytest.fixture
def recording(engine: Any) -> RecordingEngine:
    """The session's real engine behind a fresh recorder."""
    return RecordingEngine(engine)


@pytest.fixture
async def sqlite_bot(
    bot_api: FakeBotAPI, recording: RecordingEngine, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    """The real engine polling the fake server, on SQLite."""
    bot = BotHarness(bot_api, recording, f"sqlite:///{tmp_path / 'state.sqlite3'}")
    await bot.start()
    yield bot
    await bot.stop()
