"""The bounded memories of the adapter (cachetools): what each forgets, and when."""

from __future__ import annotations

import pytest

from bot.replies import Option
from bot.telegram.keyboards import MAX_REFS, RefCallback, pack_option, remembered_refs, unpack_ref
from bot.telegram.middlewares import RateLimitMiddleware


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_spends_warns_once_and_refills() -> None:
    clock = Clock()
    limiter = RateLimitMiddleware(messages=2, seconds=10, clock=clock)
    assert [limiter.allow(1) for _ in range(4)] == [
        (True, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    clock.now += 5  # one token back
    assert limiter.allow(1) == (True, False)
    assert limiter.allow(2) == (True, False)  # users do not share a budget


def test_an_idle_user_is_forgotten_once_their_bucket_is_full_again() -> None:
    clock = Clock()
    limiter = RateLimitMiddleware(messages=2, seconds=10, clock=clock)
    limiter.allow(1)
    clock.now += 9.9
    assert 1 in limiter.buckets
    clock.now += 0.1
    assert 1 not in limiter.buckets
    assert [limiter.allow(1) for _ in range(3)] == [(True, False), (True, False), (False, True)]


def test_the_rate_limit_remembers_a_bounded_number_of_users(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RateLimitMiddleware, "MAX_USERS", 3)
    limiter = RateLimitMiddleware(messages=1, seconds=10, clock=Clock())
    for user in range(5):
        limiter.allow(user)
    assert len(limiter.buckets) == 3 and set(limiter.buckets) == {2, 3, 4}


def _long(n: int) -> Option:
    return Option(f"option {n}", "answer", "team_language", "x" * 60 + str(n))


def test_a_chat_remembers_its_newest_long_buttons() -> None:
    refs = remembered_refs(None)
    packed = [pack_option(_long(n), 1, refs) for n in range(MAX_REFS + 5)]
    assert len(refs) == MAX_REFS
    stored = dict(refs)  # what goes back into the chat's FSM data
    assert unpack_ref(RefCallback.unpack(packed[4]), stored) is None
    assert unpack_ref(RefCallback.unpack(packed[5]), stored) == _long(5)


def test_a_button_shown_again_becomes_the_newest_and_order_survives_saving() -> None:
    refs = remembered_refs(None)
    first = pack_option(_long(0), 1, refs)
    for n in range(1, MAX_REFS):
        pack_option(_long(n), 1, refs)
    pack_option(_long(0), 2, refs)  # shown again: now the newest
    reloaded = remembered_refs(dict(refs))
    pack_option(_long(MAX_REFS), 2, reloaded)  # one more pushes out the oldest: option 1
    assert unpack_ref(RefCallback.unpack(first), dict(reloaded)) is not None
    assert unpack_ref(RefCallback.unpack(pack_option(_long(1), 2, {})), dict(reloaded)) is None
