"""One chat's updates run one at a time and in order: a burst, and two webhook replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from support.bot_process import dialogue
from support.recording import RecordingEngine

from bot.telegram.app import create_bot, create_dispatcher, start_webhook
from bot.telegram.storage import create_storage
from devkit.fake_bot_api import FakeBotAPI
from devkit.harness import BotHarness, free_port, harness_settings

pytestmark = pytest.mark.model

SECRET = "replica-Secret_1"
# Order matters for every one of these: answers fill whichever question is pending, /cancel
# and /recommend reset, "back" and "skip" move the pointer.
SCRIPT = [
    "/recommend",
    "python",
    "back",
    "typescript",
    "realtime chat",
    "/cancel",
    "/recommend we are five java developers",
    "skip",
    "small team",
    "is django good for an admin panel?",
    "/recommend",
    "go",
    "cpu heavy number crunching",
    "back",
    "crud api",
    "3 people",
    "skip",
    "many years",
    "kubernetes",
    "performance",
]


async def final_state(storage_url: str, chat: int) -> dict[str, Any]:
    """The chat's stored DialogueState as a dict."""
    from support.bot_process import stored

    return dialogue(await stored(storage_url, chat)).model_dump()


async def test_a_burst_of_20_messages_ends_as_if_sent_one_by_one(
    bot_api: FakeBotAPI, storage_url: str, recording: RecordingEngine
) -> None:
    """The burst arrives in one getUpdates batch and runs as 20 concurrent tasks.

    The per-user limit (default 10 per 10 s) would drop half of it by design, so it is raised
    here: this test is about order, the rate-limit test about floods.
    """
    harness = BotHarness(bot_api, recording, storage_url, rate_limit_messages=1000)
    await harness.start()
    try:
        for text in SCRIPT:
            await harness.turn(bot_api.send_text(1001, text))
        sequential = await final_state(storage_url, 1001)
        recording.turns.clear()
        recording.most_at_once = 0
        ids = [await bot_api.send_text(1002, text) for text in SCRIPT]
        for update_id in ids:
            await asyncio.wait_for(harness.inflight.wait_handled(update_id), 300)
        burst = await final_state(storage_url, 1002)
    finally:
        await harness.stop()
    seen = [("/" + t.command + (" " + t.text if t.text else "")) if t.command else t.text
            for t in recording.turns]  # fmt: skip
    assert seen == SCRIPT
    assert recording.most_at_once == 1
    assert burst == sequential


@pytest.fixture
async def replicas(
    bot_api: FakeBotAPI, redis_url: str, recording: RecordingEngine
) -> AsyncIterator[list[str]]:
    """Two webhook servers (replicas) sharing one Redis; yields their webhook URLs."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    runners, urls = [], []
    for _ in range(2):
        port = free_port()
        settings = harness_settings(
            bot_api,
            redis_url,
            webhook_url="https://bot.example.test/hook",
            webhook_secret=SecretStr(SECRET),
            webhook_host="127.0.0.1",
            webhook_port=port,
            rate_limit_messages=1000,
        )
        storage, isolation = create_storage(redis_url)
        dp = create_dispatcher(settings, recording, storage, isolation)
        runner, _ = await start_webhook(create_bot(settings), dp, settings)
        runners.append(runner)
        urls.append(f"http://127.0.0.1:{port}/hook")
    yield urls
    for runner in runners:
        await runner.cleanup()


@pytest.mark.redis
async def test_two_webhook_replicas_run_one_chats_updates_one_at_a_time_in_order(
    replicas: list[str], bot_api: FakeBotAPI, redis_url: str, recording: RecordingEngine
) -> None:
    """Updates alternate between the replicas as fast as each is acknowledged."""
    chat = 2002
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for n, text in enumerate(SCRIPT):
            update = {"update_id": 10_000 + n, "message": bot_api.user_message(chat, text)}
            async with http.post(replicas[n % 2], json=update, headers=headers) as response:
                assert response.status == 200
        while len(recording.turns) < len(SCRIPT):
            await bot_api.wait_for(lambda c: c.method == "sendMessage", since=len(bot_api.calls))
    seen = [("/" + t.command + (" " + t.text if t.text else "")) if t.command else t.text
            for t in recording.turns]  # fmt: skip
    assert seen == SCRIPT
    assert recording.most_at_once == 1
