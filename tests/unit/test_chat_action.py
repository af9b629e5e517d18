"""The delayed "typing…" (aiogram's ChatActionSender) on an in-memory session, short delays."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendChatAction, TelegramMethod
from support.session import RecordingSession

from bot.telegram import conversation
from bot.telegram.conversation import typing
from bot.telegram.sending import QuietChatActions
from devkit.harness import TEST_TOKEN


class ChatActions(RecordingSession):
    """Chat actions take `seconds` and then fail when `fail` is set."""

    def __init__(self, seconds: float = 0.0, fail: bool = False) -> None:
        super().__init__()
        self.seconds, self.fail = seconds, fail
        self.landed: list[float] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        result = await super().make_request(bot, method, timeout)
        if isinstance(method, SendChatAction):
            await asyncio.sleep(self.seconds)
            if self.fail:
                raise TelegramNetworkError(method, "the network is down")
            self.landed.append(time.monotonic())
        return result


def _actions(session: RecordingSession) -> list[SendChatAction]:
    return [m for m in session.calls if isinstance(m, SendChatAction)]


async def test_a_quick_turn_shows_no_typing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 0.2)
    session = ChatActions()
    async with typing(Bot(TEST_TOKEN, session=session), 5):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    assert session.calls == []


async def test_a_slow_turn_shows_typing_in_its_topic_and_renews_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 0.05)
    monkeypatch.setattr(conversation, "TYPING_RENEW_SECONDS", 0.1)
    session = ChatActions()
    async with typing(Bot(TEST_TOKEN, session=session), 5, thread_id=3):
        await asyncio.sleep(0.28)
        shown = len(_actions(session))
    assert shown >= 2  # at 0.05, 0.15 and 0.25 s (a busy machine may lose the last)
    action = _actions(session)[0]
    assert (action.chat_id, action.action, action.message_thread_id) == (5, "typing", 3)
    await asyncio.sleep(0.2)
    assert len(_actions(session)) == shown, "typing… went on after the turn"


async def test_an_action_in_flight_lands_before_the_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 0.0)
    session = ChatActions(seconds=0.1)
    async with typing(Bot(TEST_TOKEN, session=session), 5):
        await asyncio.sleep(0.01)  # the action is on its way
    assert len(session.landed) == 1


async def test_a_stuck_action_holds_the_reply_up_for_the_flush_bound_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 0.0)
    monkeypatch.setattr(conversation, "TYPING_FLUSH_SECONDS", 0.1)
    session = ChatActions(seconds=30)
    started = time.monotonic()
    async with typing(Bot(TEST_TOKEN, session=session), 5):
        await asyncio.sleep(0.01)
    assert time.monotonic() - started < 1.0


async def test_a_failing_action_never_fails_the_turn_and_typing_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 0.0)
    monkeypatch.setattr(conversation, "TYPING_RENEW_SECONDS", 0.05)
    session = ChatActions(fail=True)
    session.middleware(QuietChatActions())
    async with typing(Bot(TEST_TOKEN, session=session), 5):
        await asyncio.sleep(0.12)
    assert len(_actions(session)) >= 2, "the sender stopped after the first failure"
