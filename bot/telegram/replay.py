"""A replayed update is never applied twice: the chat's data records what it has applied.

Telegram sends an update again when the bot did not confirm it (polling) or did not answer
200 (webhook) before it died, including updates already handled but not yet confirmed. Each
write of a chat's data carries the ids of the updates applied to it (in the same write as the
dialogue state), and an update at or below the newest of them is skipped.

At or below, not only "in the list": Telegram delivers one chat's updates in order (polling
fetches them in order and the chat's lock keeps it; the webhook queues them per chat), so an
older id for the same chat is a replay even if it never reached the list (it failed, or the
flood limit dropped it) and must not run after a newer one.

What a skipped replay does: nothing. Its replies went out before its write (the adapter saves
after sending), so there is nothing to re-send; a pressed button was answered then too. A
replay of an update that was *not* applied (killed before the write) runs as a first delivery:
its replies may then reach the user twice, its effect on the state happens once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update

from bot.telegram.middlewares import REPLAYED

log = logging.getLogger(__name__)

# Key of the chat's FSM data holding the ids of the last updates applied to it, oldest first.
APPLIED_KEY = "applied"
# Only the newest id decides; a few more make a chat's recent history readable in storage.
APPLIED_KEPT = 8


def applied(data: Mapping[str, Any]) -> list[int]:
    """The update ids recorded in a chat's FSM data, oldest first ([] when none or corrupt)."""
    ids = data.get(APPLIED_KEY)
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int)]


def is_replay(data: Mapping[str, Any], update_id: int) -> bool:
    """True when the chat has already applied `update_id` or a later update."""
    ids = applied(data)
    return bool(ids) and update_id <= max(ids)


class UpdateContext(FSMContext):
    """The chat's FSMContext for one update: read once, and every write records the update.

    The guard reads the chat's data under the chat's lock; handlers get a copy of that read
    instead of reading again, and each set_data adds the update's id to what it writes.
    """

    def __init__(self, context: FSMContext, update_id: int, data: dict[str, Any]) -> None:
        super().__init__(context.storage, context.key)
        self.update_id = update_id
        self._data = data

    async def get_data(self) -> dict[str, Any]:
        """The chat's data as of the last read or write in this update (a shallow copy)."""
        return dict(self._data)

    async def set_data(self, data: Mapping[str, Any]) -> None:
        """Write `data` with this update recorded as applied."""
        ids = [i for i in applied(data) if i != self.update_id] + [self.update_id]
        stamped = {**data, APPLIED_KEY: ids[-APPLIED_KEPT:]}
        await super().set_data(stamped)
        self._data = stamped

    async def update_data(
        self, data: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Merge into the chat's data and write it (recorded, like set_data)."""
        merged = {**self._data, **(data or {}), **kwargs}
        await self.set_data(merged)
        return dict(self._data)


class ReplayGuard(BaseMiddleware):
    """Inner middleware (after the chat's lock is held): skips replays, stamps writes."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        context = data.get("state")
        update = data.get("event_update")
        if not isinstance(context, FSMContext) or not isinstance(update, Update):
            return await handler(event, data)
        stored = await context.get_data()
        if is_replay(stored, update.update_id):
            return REPLAYED
        data["state"] = UpdateContext(context, update.update_id, stored)
        return await handler(event, data)
