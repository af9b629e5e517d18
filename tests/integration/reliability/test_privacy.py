"""Nothing is kept forever: conversations expire, and /forget deletes a user's at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
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


@pytest.mark.redis
async def test_forgetting_on_redis_takes_the_users_keys_in_every_chat_and_no_one_elses(
    redis_url: str,
) -> None:
    import redis

    from bot.telegram.ordering import ChatTickets
    from bot.telegram.storage import create_storage, forget_user

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    storage, _ = create_storage(redis_url)
    user, other = 55, 5
    mine = [
        StorageKey(bot_id=1, chat_id=user, user_id=user),
        StorageKey(bot_id=1, chat_id=-100, user_id=user),
        StorageKey(bot_id=1, chat_id=-100, user_id=user, thread_id=7),
    ]
    theirs = [
        StorageKey(bot_id=1, chat_id=-100, user_id=other),
        StorageKey(bot_id=1, chat_id=user, user_id=other),
        StorageKey(bot_id=1, chat_id=-100, user_id=other, thread_id=user),
        StorageKey(bot_id=1, chat_id=-100, user_id=555),
        StorageKey(bot_id=2, chat_id=user, user_id=user),
    ]
    try:
        for key in mine + theirs:
            await storage.set_data(key, {"dialogue": {"step": 1}})
        tickets = ChatTickets(storage.redis)  # type: ignore[attr-defined]
        await tickets.take(f"1:-100:{user}")
        await tickets.take(f"1:-100:{other}")
        assert await forget_user(storage, 1, user) == len(mine) + 1
        for key in mine:
            assert await storage.get_data(key) == {}
        for key in theirs:
            assert await storage.get_data(key) != {}
        assert client.exists(f"order:1:-100:{other}:next")
    finally:
        await storage.close()
        client.close()
