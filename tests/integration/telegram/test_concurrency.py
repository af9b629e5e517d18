"""One chat's updates never race: not within a bot, nor across replicas sharing Redis."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import BotHarness, buttons, harness_settings, last_with_buttons

pytestmark = pytest.mark.model

CHAT = 6060


def answer_data(message: dict[str, Any]) -> str:
    return next(data for _, data, action in buttons(message) if action == "answer")


def expired_notices(api: FakeBotAPI, mark: int) -> int:
    """How many replies since `mark` said a button had expired.

    Two presses of one button, handled one after the other, advance the dialogue once and
    expire once; had they raced, both would have read the old state and both advanced.
    """
    calls = api.since(mark, "sendMessage", "editMessageText")
    assert all(c.ok for c in calls)
    return sum(1 for c in calls if "expired" in plain(c.params["text"]).lower())


async def test_a_double_press_advances_the_dialogue_once(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    await harness.turn(bot_api.send_text(CHAT, "/recommend"))
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None
    data = answer_data(question)
    mark = len(bot_api.calls)
    # A slow answerCallbackQuery holds each press open, so unserialised presses would overlap.
    bot_api.slow("answerCallbackQuery", 1.0, times=2)
    # Both presses are queued before the bot polls again, so they arrive as one batch and run
    # as concurrent tasks; the per-chat lock must serialise them.
    first = await bot_api.press(CHAT, question["message_id"], data)
    second = await bot_api.press(CHAT, question["message_id"], data)
    for update_id in (first, second):
        await asyncio.wait_for(harness.inflight.wait_handled(update_id), 120)
    assert expired_notices(bot_api, mark) == 1


@pytest.mark.redis
async def test_two_replicas_on_one_redis_never_handle_one_chat_at_once(
    bot_api: FakeBotAPI, redis_url: str, engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import redis

    from bot.telegram.app import create_bot, create_dispatcher
    from bot.telegram.storage import create_storage

    # Update ids restart at 1 here: an earlier test's chat data would make them replays.
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    settings = harness_settings(bot_api, redis_url)
    replicas = []
    for _ in range(2):
        storage, isolation = create_storage(redis_url)
        replicas.append(
            (create_bot(settings), create_dispatcher(settings, engine, storage, isolation))
        )
    try:
        bot, dp = replicas[0]
        start = {"update_id": 1, "message": bot_api.user_message(CHAT, "/recommend")}
        await dp.feed_raw_update(bot, start)
        question = last_with_buttons(bot_api, CHAT)
        assert question is not None
        data = answer_data(question)
        mark = len(bot_api.calls)
        bot_api.slow("answerCallbackQuery", 1.0, times=2)  # widen the window a race would need
        # The same press reaches both replicas at once (as a retried webhook delivery might).
        with caplog.at_level(logging.INFO):
            await asyncio.gather(
                *(
                    replica_dp.feed_raw_update(
                        replica_bot, bot_api.callback_update(CHAT, question["message_id"], data)
                    )
                    for replica_bot, replica_dp in replicas
                )
            )
        # One press applied, the other refused: as expired if it came second, or as a replay
        # if it is the older update and came second. Had they raced, neither is refused.
        replays = [r for r in caplog.records if r.getMessage().endswith(" replayed") or
                   " replayed in " in r.getMessage()]  # fmt: skip
        assert expired_notices(bot_api, mark) + len(replays) == 1
    finally:
        for replica_bot, replica_dp in replicas:
            await replica_dp.fsm.close()
            await replica_bot.session.close()
