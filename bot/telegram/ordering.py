"""One chat's updates in arrival order: a FIFO lock in the process, tickets across replicas.

aiogram's Redis lock excludes but does not queue: its waiters poll, so whoever polls first
after a release wins, and a burst from one chat can run out of order. A local FIFO lock in
front of it restores arrival order inside a process; webhook replicas share a per-chat ticket
counter in Redis, taken before Telegram is acknowledged, and serve tickets in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Hashable
from typing import Any

from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.types import Update

log = logging.getLogger(__name__)

# How long a ticket waits for an earlier one that makes no progress (its replica died
# between acknowledging Telegram and finishing) before going ahead anyway.
STALL_SECONDS = 30.0
# How often a waiting ticket looks at the counter; cheap (one GET) and well under a turn.
POLL_SECONDS = 0.02
# Ticket counters of an idle chat expire; a new burst starts from 0 again.
TICKET_TTL_SECONDS = 3600

# Advance the "served" counter, never backwards (a late finisher after a skip).
_SERVED = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


class OrderedIsolation(BaseEventIsolation):
    """`inner`'s lock, entered in arrival order: a FIFO asyncio.Lock per key goes first."""

    def __init__(self, inner: BaseEventIsolation) -> None:
        self.inner = inner
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        """Hold the chat's local lock (FIFO), then the inner (e.g. Redis) lock."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self.inner.lock(key):
                yield
        finally:
            lock, users = self._locks[key]
            # Forget idle chats' locks so memory follows active chats, not all chats ever.
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def close(self) -> None:
        """Close the inner isolation."""
        self._locks.clear()
        await self.inner.close()


def chat_key(bot_id: int, update: dict[str, Any]) -> str | None:
    """The chat-and-user key an update's FSM state lives under (None: no chat or user)."""
    try:
        context = UserContextMiddleware.resolve_event_context(Update.model_validate(update))
    except Exception:  # a malformed or unknown update: it just goes unordered
        return None
    if context.chat is None or context.user is None:
        return None
    return f"{bot_id}:{context.chat.id}:{context.user.id}"


class ChatTickets:
    """Per-chat tickets in Redis: taken at receipt, served strictly in ticket order."""

    def __init__(self, redis: Any, prefix: str = "order", stall: float = STALL_SECONDS) -> None:
        self.redis = redis
        self.prefix = prefix
        self.stall = stall
        self._served = redis.register_script(_SERVED)

    async def take(self, key: str) -> int:
        """A new ticket for `key` (1, 2, ...), in the order this is called across replicas."""
        name = f"{self.prefix}:{key}:next"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, TICKET_TTL_SECONDS)
            ticket, _ = await pipe.execute()
        return int(ticket)

    async def wait_turn(self, key: str, ticket: int) -> None:
        """Return once every earlier ticket of `key` is served (or stalled for `stall` s)."""
        name = f"{self.prefix}:{key}:served"
        last, since = -1, time.monotonic()
        while True:
            served = int(await self.redis.get(name) or 0)
            if served >= ticket - 1:
                return
            if served != last:
                last, since = served, time.monotonic()
            elif time.monotonic() - since > self.stall:
                log.warning("chat %s: ticket %d skipped a stalled earlier update", key, ticket)
                return
            await asyncio.sleep(POLL_SECONDS)

    async def served(self, key: str, ticket: int) -> None:
        """Mark `ticket` of `key` done, letting the next one run."""
        name = f"{self.prefix}:{key}:served"
        await self._served(keys=[name], args=[ticket, TICKET_TTL_SECONDS])


async def release_stale_locks(isolation: BaseEventIsolation, bot_id: int) -> int:
    """Delete chat locks a killed process left in Redis; how many. Polling start-up only.

    aiogram's Redis lock lives 60 s; a process killed while handling a chat would otherwise
    block that chat for up to a minute after the restart. Only one process can poll a token
    (Telegram answers a second one with 409), so at start no live process holds these locks.
    """
    inner = isolation.inner if isinstance(isolation, OrderedIsolation) else isolation
    redis = getattr(inner, "redis", None)
    prefix = getattr(getattr(inner, "key_builder", None), "prefix", None)
    if redis is None or prefix is None:
        return 0
    stale = [key async for key in redis.scan_iter(match=f"{prefix}:{bot_id}:*:lock")]
    if stale:
        await redis.delete(*stale)
        log.info("released %d chat lock(s) left by a stopped process", len(stale))
    return len(stale)
