"""Reliability fixtures: bot processes killed at teardown, trial count, a recording engine."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.bot_process import BotProcess
from support.recording import RecordingEngine

from devkit.fake_bot_api import FakeBotAPI
from devkit.harness import BotHarness


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
