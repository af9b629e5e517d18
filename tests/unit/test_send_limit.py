"""The send-rate limiter on a fake clock: per-chat and per-bot schedules, never sleeping."""

import asyncio

import pytest

from bot.telegram.sending import LIMITED_METHODS, SendLimiter, SendRateMiddleware


def test_a_chat_gets_its_burst_at_once_then_one_message_a_second():
    limiter = SendLimiter(per_bot=30, per_chat=1, chat_burst=3)
    delays = [limiter.reserve(1, now=100.0) for _ in range(5)]
    assert delays == pytest.approx([0, 0, 0, 1, 2])


def test_an_idle_chat_earns_its_burst_back():
    limiter = SendLimiter(per_bot=30, per_chat=1, chat_burst=2)
    assert [limiter.reserve(1, 0.0) for _ in range(3)] == pytest.approx([0, 0, 1])
    # Three seconds later the schedule (last slot at t=1) has long drained: a fresh burst.
    assert [limiter.reserve(1, 4.0) for _ in range(2)] == pytest.approx([0, 0])


def test_chats_do_not_wait_for_each_other_below_the_bot_limit():
    limiter = SendLimiter(per_bot=30, per_chat=1, chat_burst=1)
    assert [limiter.reserve(chat, 0.0) for chat in range(20)] == [0.0] * 20


def test_the_bot_limit_spaces_many_chats_after_its_burst():
    limiter = SendLimiter(per_bot=10, per_chat=1, chat_burst=1, bot_burst=5)
    delays = [limiter.reserve(chat, 0.0) for chat in range(8)]
    assert delays == pytest.approx([0, 0, 0, 0, 0, 0.1, 0.2, 0.3])


def test_both_limits_apply_to_one_chat_at_the_slower_rate():
    limiter = SendLimiter(per_bot=2, per_chat=4, chat_burst=1, bot_burst=1)
    assert [limiter.reserve(7, 0.0) for _ in range(3)] == pytest.approx([0, 0.5, 1.0])


def test_idle_chats_are_forgotten_once_there_are_many(monkeypatch):
    monkeypatch.setattr("bot.telegram.sending._PRUNE_AT", 4)
    limiter = SendLimiter(per_bot=1000, per_chat=1, chat_burst=1)
    for chat in range(4):
        limiter.reserve(chat, 0.0)
    limiter.reserve("new", 10.0)
    assert len(limiter) == 1


def test_zero_rates_are_refused():
    with pytest.raises(ValueError):
        SendLimiter(per_bot=0, per_chat=1)


class _Method:
    def __init__(self, api_method: str, chat_id: int | None) -> None:
        self.__api_method__ = api_method
        self.chat_id = chat_id


def test_the_middleware_limits_messages_but_not_chat_actions(monkeypatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("bot.telegram.sending.asyncio.sleep", fake_sleep)
    middleware = SendRateMiddleware(SendLimiter(per_bot=30, per_chat=1, chat_burst=1))

    async def make_request(bot, method):
        return method.__api_method__

    async def run() -> list[str]:
        sent = []
        for name in ["sendMessage", "sendChatAction", "sendChatAction", "sendMessage"]:
            sent.append(await middleware(make_request, None, _Method(name, 5)))  # type: ignore[arg-type]
        return sent

    assert "sendChatAction" not in LIMITED_METHODS
    assert asyncio.run(run()) == ["sendMessage", "sendChatAction", "sendChatAction", "sendMessage"]
    assert len(slept) == 1 and 0 < slept[0] <= 1.0
