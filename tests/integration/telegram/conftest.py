"""Fixtures: the running bot (the fake server, Redis and the engine are in ../conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from devkit.fake_bot_api import FakeBotAPI
from devkit.fake_engine import FakeEngine
from devkit.harness import BotHarness


@pytest.fixture
async def harness(bot_api: FakeBotAPI, engine: Any, storage_url: str) -> AsyncIterator[BotHarness]:
    """The bot polling the fake server with the engine, on each storage."""
    bot = BotHarness(bot_api, engine, storage_url)
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def fake_harness(bot_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The bot with the scripted FakeEngine on SQLite: adapter behaviour, faults, groups."""
    bot = BotHarness(bot_api, FakeEngine(), f"sqlite:///{tmp_path / 'state.sqlite3'}")
    await bot.start()
    yield bot
    await bot.stop()
