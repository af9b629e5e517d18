"""Reliability fixtures: bot processes killed at teardown; the trial count (SOAK_TRIALS)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from bot_process import BotProcess


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
