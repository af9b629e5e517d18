"""Which updates polling may confirm, and how a chat's data tells a replay from a new update."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from bot.telegram.polling import GetRawUpdates, Unconfirmed
from bot.telegram.replay import APPLIED_KEPT, APPLIED_KEY, UpdateContext, applied, is_replay


def test_the_offset_stops_at_the_lowest_update_in_flight() -> None:
    unconfirmed = Unconfirmed()
    assert unconfirmed.offset is None  # nothing fetched: Telegram's own default
    assert all(unconfirmed.fetched(u) for u in (10, 11, 12))
    assert unconfirmed.offset == 10
    unconfirmed.finished(11)  # done, but 10 is still running: 11 must not be confirmed
    assert unconfirmed.offset == 10
    unconfirmed.finished(10)
    assert unconfirmed.offset == 12
    unconfirmed.finished(12)
    assert unconfirmed.offset == 13  # everything handled: confirm it all


def test_updates_returned_again_are_not_handled_again() -> None:
    unconfirmed = Unconfirmed()
    assert unconfirmed.fetched(10) and unconfirmed.fetched(11)
    unconfirmed.finished(11)
    # getUpdates(offset=10) returns 10 and 11 again, plus the new 12.
    assert [u for u in (10, 11, 12) if unconfirmed.fetched(u)] == [12]
    unconfirmed.finished(10)
    unconfirmed.finished(12)
    assert not unconfirmed.fetched(12)
    assert not unconfirmed.fetched(9)  # below the confirmed offset: a stray, not news
    assert unconfirmed.fetched(13)


def test_raw_get_updates_is_get_updates_left_as_json() -> None:
    method = GetRawUpdates(offset=5, timeout=25, allowed_updates=["message"])
    assert method.__api_method__ == "getUpdates"
    assert method.model_dump(exclude_none=True) == {
        "offset": 5,
        "timeout": 25,
        "allowed_updates": ["message"],
    }


def test_an_update_at_or_below_the_newest_applied_is_a_replay() -> None:
    assert not is_replay({}, 1)
    assert not is_replay({APPLIED_KEY: "corrupt"}, 1)
    data = {APPLIED_KEY: [5, 9]}
    assert is_replay(data, 9) and is_replay(data, 7) and is_replay(data, 5)
    assert not is_replay(data, 10)


async def test_every_write_in_an_update_records_it_and_reads_are_served_from_one_read() -> None:
    storage = MemoryStorage()
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    plain = FSMContext(storage, key)
    await plain.set_data({"dialogue": {"step": 1}, APPLIED_KEY: list(range(1, 20))})
    stored = await plain.get_data()

    context = UpdateContext(plain, 42, stored)
    data = await context.get_data()
    data["dialogue"] = {"step": 2}
    assert (await context.get_data())["dialogue"] == {"step": 1}  # a copy each time
    await context.set_data(data)
    after = await storage.get_data(key)
    assert after["dialogue"] == {"step": 2}
    assert applied(after)[-1] == 42 and len(applied(after)) == APPLIED_KEPT
    assert (await context.get_data())["dialogue"] == {"step": 2}
    await context.update_data(extra=1)
    assert applied(await storage.get_data(key)).count(42) == 1
