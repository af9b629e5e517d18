"""Telegram sends an update again after a restart: if the chat had applied it, nothing happens.

The replay of an update the chat had not applied yet (killed before its write) runs like a
first delivery: test_crash_restart covers that.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from support.bot_process import answers, pending_question, stored
from support.recording import RecordingEngine

from devkit.fake_bot_api import FakeBotAPI
from devkit.harness import BotHarness

pytestmark = pytest.mark.model

CHAT = 8080


async def restarted(harness: BotHarness) -> BotHarness:
    """The same bot after a restart: a new poller that has confirmed nothing yet."""
    await harness.stop()
    fresh = BotHarness(harness.api, harness.engine, harness.settings.resolved_storage_url())
    await fresh.start()
    return fresh


def replayed(caplog: pytest.LogCaptureFixture, update_id: int) -> bool:
    return any(
        r.getMessage().startswith(f"update {update_id} ") and " replayed in " in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("kind", ["button press", "form answer", "question"])
async def test_a_replayed_update_the_chat_applied_changes_nothing_and_sends_nothing(
    kind: str,
    bot_api: FakeBotAPI,
    recording: RecordingEngine,
    storage_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The press is not answered again nor the question edited; the answer is not re-applied
    (it would fill the next question, or be refused as expired); the question not re-answered.
    """
    harness = BotHarness(bot_api, recording, storage_url)
    await harness.start()
    try:
        await harness.turn(bot_api.send_text(CHAT, "/recommend"))
        question = pending_question(await stored(storage_url, CHAT))
        assert question is not None
        callback, _, _ = answers(question)[0]
        update: dict[str, Any]
        if kind == "button press":
            update = bot_api.callback_update(CHAT, question["id"], callback)
        else:
            text = "Python" if kind == "form answer" else "does django have an admin?"
            update = {"message": bot_api.user_message(CHAT, text)}
        update_id = await bot_api.push(update)
        await asyncio.wait_for(harness.inflight.wait_handled(update_id), 120)
        before = await stored(storage_url, CHAT)

        harness = await restarted(harness)
        recording.turns.clear()
        mark = len(bot_api.calls)
        with caplog.at_level(logging.INFO):
            await harness.turn(bot_api.push({**update, "update_id": update_id}))
        assert replayed(caplog, update_id)
        assert recording.turns == []
        assert [c.method for c in bot_api.since(mark) if c.method != "getUpdates"] == []
        assert await stored(storage_url, CHAT) == before
    finally:
        await harness.stop()


async def test_an_older_update_than_one_applied_is_a_replay_too(
    bot_api: FakeBotAPI,
    recording: RecordingEngine,
    storage_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One chat's updates arrive in order: an older one now is one the flood limit dropped, or
    whose turn failed, before the newer one ran. Run now, it would run out of order."""
    harness = BotHarness(bot_api, recording, storage_url)
    await harness.start()
    try:
        older = bot_api.callback_update(CHAT, 1, "x")["update_id"]  # an id, never sent
        await harness.turn(bot_api.send_text(CHAT, "/recommend"))
        before = await stored(storage_url, CHAT)
        harness = await restarted(harness)
        with caplog.at_level(logging.INFO):
            await harness.turn(
                bot_api.push({"update_id": older, "message": bot_api.user_message(CHAT, "/start")})
            )
        assert replayed(caplog, older)
        assert await stored(storage_url, CHAT) == before
    finally:
        await harness.stop()
