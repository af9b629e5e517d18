"""Nothing is kept forever: conversations expire, and /forget deletes a user's at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from support.bot_process import BOT_ID, answers, dialogue, pending_question, stored
from support.recording import RecordingEngine

from bot.dialogue.engine import FORGOTTEN
from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import BotHarness

pytestmark = pytest.mark.model

USER, OTHER, GROUP = 9191, 9192, -1009191


def redis_keys(storage_url: str, user: int) -> list[bytes]:
    """Every key in Redis that names `user` (empty for SQLite)."""
    if not storage_url.startswith("redis"):
        return []
    import redis

    client = redis.Redis.from_url(storage_url)
    try:
        return [k for k in client.scan_iter() if f":{user}:".encode() in k]
    finally:
        client.close()


async def test_forget_deletes_everything_stored_about_the_user_and_says_so(
    bot_api: FakeBotAPI, recording: RecordingEngine, storage_url: str
) -> None:
    harness = BotHarness(bot_api, recording, storage_url)
    await harness.start()
    try:

        def in_group(user: int, text: str) -> Any:
            return bot_api.send_text(GROUP, text, user_id=user, chat_type="supergroup")

        # The user has a dialogue in private and one in a group; someone else in the group too.
        await harness.turn(bot_api.send_text(USER, "/recommend"))
        question = pending_question(await stored(storage_url, USER))
        assert question is not None
        await harness.turn(bot_api.press(USER, question["id"], answers(question)[0][0]))
        await harness.turn(in_group(USER, "/recommend"))
        await harness.turn(in_group(OTHER, "/recommend"))
        assert dialogue(await stored(storage_url, USER)).slots
        assert await stored(storage_url, GROUP, USER)
        assert redis_keys(storage_url, USER) or storage_url.startswith("sqlite")

        calls = await harness.turn(bot_api.send_text(USER, "/forget"))
        said = [plain(c.params["text"]) for c in calls if c.method == "sendMessage"]
        assert said == [FORGOTTEN]
        assert await stored(storage_url, USER) == {}
        assert await stored(storage_url, GROUP, USER) == {}
        assert redis_keys(storage_url, USER) == []
        assert dialogue(await stored(storage_url, GROUP, OTHER)).mode == "form"
        # The old question's buttons are gone; /recommend starts afresh.
        assert not bot_api.messages[(USER, question["id"])].get("reply_markup")
        await harness.turn(bot_api.send_text(USER, "/recommend"))
        assert dialogue(await stored(storage_url, USER)).slots == {}
    finally:
        await harness.stop()


async def test_a_conversation_idle_past_the_ttl_is_deleted(
    bot_api: FakeBotAPI, recording: RecordingEngine, storage_url: str
) -> None:
    """Redis expires the keys itself; SQLite rows are swept at start-up (and daily)."""
    ttl_days = 2 / 86400  # two seconds
    harness = BotHarness(bot_api, recording, storage_url, conversation_ttl_days=ttl_days)
    await harness.start()
    try:
        await harness.turn(bot_api.send_text(USER, "/recommend"))
        assert await stored(storage_url, USER)
    finally:
        await harness.stop()
    await asyncio.sleep(3)
    harness = BotHarness(bot_api, recording, storage_url, conversation_ttl_days=ttl_days)
    await harness.start()  # the start-up sweep runs before the first getUpdates
    try:
        assert await stored(storage_url, USER) == {}
    finally:
        await harness.stop()


@pytest.mark.redis
async def test_redis_keys_carry_the_default_30_day_expiry(
    bot_api: FakeBotAPI, recording: RecordingEngine, redis_url: str
) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    harness = BotHarness(bot_api, recording, redis_url)
    await harness.start()
    try:
        await harness.turn(bot_api.send_text(USER, "/recommend"))
        (key,) = [k for k in client.scan_iter(f"fsm:{BOT_ID}:{USER}:{USER}:*")]
        assert 29.9 * 86400 < client.ttl(key) <= 30 * 86400
    finally:
        await harness.stop()
        client.close()
