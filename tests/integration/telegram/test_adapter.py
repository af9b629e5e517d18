"""Adapter behaviour with the scripted FakeEngine: groups, faults, failed steps, shutdown, logs."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram import conversation
from bot.telegram.handlers.errors import SORRY
from devkit.fake_bot_api import Call, FakeBotAPI, plain
from devkit.fake_engine import FakeEngine
from devkit.harness import TEST_TOKEN, BotHarness, buttons, last_with_buttons

CHAT = 77
GROUP = -100777
MEMBER = 5005


def shown(calls: list[Call]) -> list[str]:
    return [
        plain(c.params["text"])
        for c in calls
        if c.method in ("sendMessage", "editMessageText") and c.ok
    ]


def answer_button(message: dict) -> str:
    return next(data for _, data, action in buttons(message) if action == "answer")


async def test_groups_get_answers_only_when_the_bot_is_addressed(
    fake_harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    def group(text: str | None = None, **kw: object) -> object:
        return bot_api.send_text(GROUP, text, user_id=MEMBER, chat_type="supergroup", **kw)  # type: ignore[arg-type]

    assert not shown(await fake_harness.turn(group("is django good?")))
    assert not shown(await fake_harness.turn(group("/help@some_other_bot")))
    sticker = bot_api.push(
        {"message": bot_api.user_message(GROUP, None, user_id=MEMBER, chat_type="supergroup",
                                         sticker={"file_id": "s", "file_unique_id": "s",
                                                  "type": "regular", "width": 1, "height": 1,
                                                  "is_animated": False, "is_video": False})}
    )  # fmt: skip
    assert not shown(await fake_harness.turn(sticker))

    assert shown(await fake_harness.turn(group("/help")))
    assert shown(await fake_harness.turn(group("/help@advisor_test_bot")))
    mention = "@advisor_test_bot is django good?"
    entities = [{"type": "mention", "offset": 0, "length": 17}]
    calls = await fake_harness.turn(group(mention, entities=entities))
    assert any("You asked: is django good?" in text for text in shown(calls))
    bot_message = bot_api.bot_messages(GROUP)[-1]
    calls = await fake_harness.turn(group("and for realtime?", reply_to_message=bot_message))
    assert any("You asked: and for realtime?" in text for text in shown(calls))
    # Telegram counts entity offsets in UTF-16 code units: each emoji here is two of them.
    emoji = "😀🚀 @advisor_test_bot which one?"
    entities = [{"type": "mention", "offset": 5, "length": 17}]
    calls = await fake_harness.turn(group(emoji, entities=entities))
    assert any("You asked: 😀🚀 which one?" in text for text in shown(calls)), shown(calls)


async def test_flood_control_server_errors_and_slow_replies_are_ridden_out(
    fake_harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    bot_api.fail("sendMessage", 429, retry_after=1)
    calls = await fake_harness.turn(bot_api.send_text(CHAT, "/start"))
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.ok for c in sends] == [False, True]
    bot_api.fail("sendMessage", 500, times=2)
    calls = await fake_harness.turn(bot_api.send_text(CHAT, "/help"))
    assert [c.ok for c in calls if c.method == "sendMessage"] == [False, False, True]
    bot_api.slow("sendMessage", 1.0)
    calls = await fake_harness.turn(bot_api.send_text(CHAT, "/help"))
    assert shown(calls)


async def test_a_failed_step_leaves_the_dialogue_where_it_was(
    fake_harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    await fake_harness.turn(bot_api.send_text(CHAT, "/recommend"))
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None
    data = answer_button(question)
    # Telegram is down for longer than the retries last: the step fails.
    for method in ("editMessageText", "sendMessage", "editMessageReplyMarkup"):
        bot_api.fail(method, 500, times=50)
    calls = await fake_harness.turn(bot_api.press(CHAT, question["message_id"], data))
    assert any(c.method == "answerCallbackQuery" and c.ok for c in calls)
    bot_api.faults.clear()
    # The same button still works: the state did not move on.
    calls = await fake_harness.turn(bot_api.press(CHAT, question["message_id"], data))
    texts = shown(calls)
    assert texts and not any("expired" in t for t in texts)
    assert "What will the backend mostly do?" in texts[-1]


async def test_an_engine_crash_is_reported_without_a_traceback_or_token(
    fake_harness: BotHarness, bot_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    engine = fake_harness.engine
    assert isinstance(engine, FakeEngine)
    engine.fail_next = True
    with caplog.at_level(logging.INFO):
        calls = await fake_harness.turn(bot_api.send_text(CHAT, "/recommend"))
    assert shown(calls) == [SORRY]
    assert any("failed: RuntimeError" in r.getMessage() for r in caplog.records)
    assert any(r.getMessage().startswith("update ") for r in caplog.records)
    everything = "\n".join(r.getMessage() + str(r.exc_text or "") for r in caplog.records)
    assert TEST_TOKEN not in everything
    # The next try works from the same state.
    assert (
        "Which language"
        in shown(await fake_harness.turn(bot_api.send_text(CHAT, "/recommend")))[-1]
    )


async def test_stale_buttons_expire_and_html_is_echoed_safely(
    fake_harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    await fake_harness.turn(bot_api.send_text(CHAT, "/recommend"))
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None
    old = answer_button(question)
    calls = await fake_harness.turn(bot_api.press(CHAT, question["message_id"], old))
    assert [c.method for c in calls if c.method.startswith("edit")] == ["editMessageText"]
    calls = await fake_harness.turn(bot_api.press(CHAT, question["message_id"], old))
    assert any("This button has expired." in t for t in shown(calls))

    text = "<b>hi</b> & <script>alert(1)</script>"
    calls = await fake_harness.turn(bot_api.send_text(CHAT, text))
    sent = [c for c in calls if c.method == "sendMessage"]
    assert "&lt;script&gt;" in sent[0].params["text"]
    assert f"You asked: {text}" in shown(calls)[0]


async def test_set_my_commands_failing_does_not_stop_the_start(
    bot_api: FakeBotAPI, tmp_path: Path
) -> None:
    bot_api.fail("setMyCommands", 500, times=50)
    harness = BotHarness(bot_api, FakeEngine(), f"sqlite:///{tmp_path / 's.db'}")
    await harness.start()
    try:
        assert shown(await harness.turn(bot_api.send_text(CHAT, "/start")))
        assert not bot_api.commands
    finally:
        await harness.stop()


@pytest.fixture
async def slow_model(
    bot_api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[BotHarness, threading.Event]]:
    """The bot with a model whose turns wait for the gate (yielded); "typing…" at once."""
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 0.0)
    engine = FakeEngine()
    engine.gate = threading.Event()
    harness = BotHarness(bot_api, engine, f"sqlite:///{tmp_path / 's.db'}")
    await harness.start()
    yield harness, engine.gate
    engine.gate.set()
    await harness.stop()


async def test_a_slow_answer_shows_typing_first(
    slow_model: tuple[BotHarness, threading.Event], bot_api: FakeBotAPI
) -> None:
    _, gate = slow_model
    mark = len(bot_api.calls)
    await bot_api.send_text(CHAT, "is django good?")
    await bot_api.wait_for(lambda c: c.method == "sendChatAction", since=mark)
    gate.set()
    await bot_api.wait_for(lambda c: c.method == "sendMessage", since=mark)
    calls = [c for c in bot_api.calls[mark:] if c.method != "getUpdates"]
    # "typing…" before the answer, never after it (it would linger for 5 seconds).
    assert [c.method for c in calls] == ["sendChatAction", "sendMessage"]
    assert calls[0].params["action"] == "typing"


async def test_stopping_lets_a_running_handler_finish(
    slow_model: tuple[BotHarness, threading.Event], bot_api: FakeBotAPI
) -> None:
    harness, gate = slow_model
    mark = len(bot_api.calls)
    await bot_api.send_text(CHAT, "is django good?")
    await bot_api.wait_for(lambda c: c.method == "sendChatAction", since=mark)
    stopping = asyncio.create_task(harness.stop())
    await asyncio.sleep(0)  # let the stop begin; correctness does not depend on how far it got
    gate.set()
    await stopping
    assert any("You asked: is django good?" in t for t in shown(bot_api.calls[mark:]))
