"""A flooding user gets one "slow down" and others are unaffected; SIGTERM drains handlers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from support.bot_process import BotProcess, processes_log_clean, start_polling
from support.recording import RecordingEngine

from bot.telegram.middlewares import SLOW_DOWN
from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import TEST_TOKEN, BotHarness, buttons, last_with_buttons

pytestmark = pytest.mark.model

FLOODER, OTHER = 7001, 7002


def texts_to(api: FakeBotAPI, chat: int, since: int = 0) -> list[str]:
    """What the bot sent to a chat since call index `since`, as plain text."""
    return [
        plain(c.params["text"])
        for c in api.since(since, "sendMessage")
        if c.ok and int(c.params["chat_id"]) == chat
    ]


async def test_a_flood_gets_one_slow_down_and_other_users_are_unaffected(
    bot_api: FakeBotAPI, recording: RecordingEngine, tmp_path: Path
) -> None:
    # 5 per 1000 s: no token comes back during the test, so the counts are exact.
    harness = BotHarness(
        bot_api,
        recording,
        f"sqlite:///{tmp_path / 's.sqlite3'}",
        rate_limit_messages=5,
        rate_limit_seconds=1000,
    )
    await harness.start()
    try:
        await harness.turn(bot_api.send_text(FLOODER, "/recommend"))
        mark = len(bot_api.calls)
        recording.turns.clear()
        flood = [await bot_api.send_text(FLOODER, "/help") for _ in range(12)]
        other = await bot_api.send_text(OTHER, "/help")
        for update_id in [*flood, other]:
            await asyncio.wait_for(harness.inflight.wait_handled(update_id), 120)
        sent = texts_to(bot_api, FLOODER, mark)
        assert sent.count(SLOW_DOWN) == 1
        # The 4 tokens left after /recommend reach the engine, plus the other user's 1.
        assert len(recording.turns) == 4 + 1
        assert texts_to(bot_api, OTHER, mark)  # another user is served as usual

        # Over the limit, a button press is still answered (silently: already warned).
        question = last_with_buttons(bot_api, FLOODER)
        assert question is not None
        data = next(d for _, d, action in buttons(question) if action == "answer")
        press = await bot_api.press(FLOODER, question["message_id"], data)
        await asyncio.wait_for(harness.inflight.wait_handled(press), 120)
        assert len(bot_api.answered) == 1
        assert texts_to(bot_api, FLOODER, mark) == sent
        assert len(recording.turns) == 5
    finally:
        await harness.stop()


async def test_sigterm_lets_20_running_handlers_finish_then_exits_0(
    bot_api: FakeBotAPI, tmp_path: Path, processes: list[BotProcess]
) -> None:
    """Each of 20 chats' replies is held 3 s by the server when SIGTERM arrives."""
    process = await start_polling(bot_api, f"sqlite:///{tmp_path / 's.sqlite3'}")
    processes.append(process)
    chats = range(8000, 8020)
    bot_api.slow("sendMessage", 3.0, times=len(chats))
    mark = len(bot_api.calls)
    ids = [await bot_api.send_text(chat, "/help") for chat in chats]
    # Every handler is inside its sendMessage (the server has the request) before the signal.
    while len(bot_api.since(mark, "sendMessage")) < len(chats):
        await bot_api.wait_for(lambda c: c.method == "sendMessage", since=len(bot_api.calls))
    process.proc.terminate()
    assert await process.exit_code() == 0, process.log(30)
    sends = bot_api.since(mark, "sendMessage")
    assert len(sends) == len(chats) and all(c.ok and c.result for c in sends)
    for update_id in ids:
        assert any(f" update {update_id} " in line and " ok in " in line for line in process.lines)
    processes_log_clean(process, TEST_TOKEN)
