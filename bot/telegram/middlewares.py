"""Per-update logging, in-flight tracking, the per-user rate limit, and request retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from cachetools import TTLCache

log = logging.getLogger(__name__)

# What the error handler returns, so the update's log line says "failed".
FAILED = "failed"
# What the replay guard returns for an update the chat had applied already (skipped).
REPLAYED = "replayed"
# What the inline debounce returns for a query a newer one from the same user replaced.
SUPERSEDED = "superseded"


class InFlight:
    """The updates being handled right now, so shutdown can let them finish."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def started(self, task: asyncio.Task[Any]) -> None:
        """Record that `task` is handling an update."""
        self.tasks.add(task)

    def finished(self, task: asyncio.Task[Any], update_id: int) -> None:
        """Record that `task` is done with update `update_id`."""
        self.tasks.discard(task)

    async def drain(self, seconds: float) -> int:
        """Wait up to `seconds` for running handlers; return how many are still running."""
        others = {t for t in self.tasks if t is not asyncio.current_task()}
        if not others:
            return 0
        _, pending = await asyncio.wait(others, timeout=seconds)
        return len(pending)


def _describe(update: Update) -> tuple[str, int | None]:
    try:
        kind = update.event_type
        event = update.event
    except Exception:  # an update type this aiogram does not know (Telegram added one)
        return "unknown", None
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    return kind, (chat.id if chat is not None else None)


class UpdateLogMiddleware(BaseMiddleware):
    """One log line per update (type, chat, outcome, duration); never message text or token."""

    def __init__(self, inflight: InFlight) -> None:
        self.inflight = inflight

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        task = asyncio.current_task()
        assert task is not None
        self.inflight.started(task)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = (
                "unhandled"
                if result is UNHANDLED
                else result
                if result in (FAILED, REPLAYED, SUPERSEDED)
                else "ok"
            )
            return result
        finally:
            if log.isEnabledFor(logging.INFO):
                kind, chat_id = _describe(event)
                log.info(
                    "update %d %s chat=%s %s in %.0f ms",
                    event.update_id,
                    kind,
                    chat_id,
                    outcome,
                    (time.perf_counter() - started) * 1000,
                )
            self.inflight.finished(task, event.update_id)


class RetryRequestMiddleware(BaseRequestMiddleware):
    """Retries a Bot API call on 429 (waiting retry_after) and on 5xx, a bounded few times."""

    def __init__(self, attempts: int = 4, max_wait: float = 30.0, backoff: float = 0.25) -> None:
        self.attempts = attempts
        self.max_wait = max_wait
        self.backoff = backoff

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        # getUpdates has the poller's own backoff; retrying it here would double the wait.
        if method.__api_method__ == "getUpdates":
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.max_wait:
                    raise
                log.warning(
                    "%s hit flood control; retrying in %s s",
                    method.__api_method__,
                    exc.retry_after,
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                # A timeout may hide a request Telegram did carry out, so a retried send can
                # arrive twice; a rare duplicate beats a reply that never comes.
                if attempt == self.attempts:
                    log.error(
                        "%s failed after %d attempts (%s); giving up",
                        method.__api_method__,
                        attempt,
                        type(exc).__name__,
                    )
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning(
                    "%s failed (%s); retrying in %.2f s",
                    method.__api_method__,
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


SLOW_DOWN = "Slow down a little… I will answer again in a few seconds."


class _Bucket:
    __slots__ = ("tokens", "updated", "warned")

    def __init__(self, tokens: float, now: float) -> None:
        self.tokens = tokens
        self.updated = now
        self.warned = False


class RateLimitMiddleware(BaseMiddleware):
    """A token bucket per user: `messages` per `seconds`; one polite warning, then silence.

    Registered as an inner middleware, so it sees only updates a handler accepted (group
    chatter not addressed to the bot never uses anyone's budget). A button press over the
    limit is still answered, or its spinner would turn until Telegram gives up. An inline
    query over it goes unanswered (the client shows no results; the next query may pass).
    """

    # At most this many users' buckets are kept (the least recently active go first).
    MAX_USERS = 10_000

    def __init__(
        self,
        messages: int,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(messages)
        self.rate = messages / seconds if seconds > 0 else float("inf")
        self.clock = clock
        # A bucket untouched for `seconds` has refilled: it equals a fresh one, so it expires.
        self.buckets: TTLCache[int, _Bucket] = TTLCache(
            maxsize=self.MAX_USERS, ttl=seconds if seconds > 0 else 1.0, timer=clock
        )

    def allow(self, key: int) -> tuple[bool, bool]:
        """Spend one token of `key`; returns (allowed, warn: first refusal since allowed)."""
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.capacity, now)
        self.buckets[key] = bucket  # (again): its time to live starts now
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if self.capacity <= 0:
            return await handler(event, data)
        user = data.get("event_from_user")
        chat = data.get("event_chat")
        key = user.id if user is not None else chat.id if chat is not None else None
        if key is None:
            return await handler(event, data)
        allowed, warn = self.allow(key)
        if allowed:
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            with contextlib.suppress(TelegramAPIError):
                await event.answer(SLOW_DOWN if warn else None)
        elif isinstance(event, Message) and warn:
            bot: Bot = data["bot"]
            with contextlib.suppress(TelegramAPIError):
                await bot.send_message(
                    event.chat.id,
                    SLOW_DOWN,
                    message_thread_id=event.message_thread_id if event.is_topic_message else None,
                )
        log.info("rate limit: dropped an update from user %s (warned=%s)", key, warn)
        return None


class InlineDebounce(BaseMiddleware):
    """Inline queries from one user: only the newest of those `seconds` apart runs.

    Telegram sends a query as the user types; each would cost a forward pass and a token of
    the rate limit. A query waits `seconds` first and is dropped if a newer one came from the
    same user meanwhile (the client has moved on and ignores answers to older queries). It
    must run before aiogram takes the user's lock: behind the lock the newer query would
    wait for the older one and could never replace it (see OutermostDispatcher.early).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        # User id -> the newest query's update id (only while a query of theirs waits).
        self.newest: dict[int, int] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        query = event.inline_query if isinstance(event, Update) else None
        if query is None or self.seconds <= 0:
            return await handler(event, data)
        assert isinstance(event, Update)
        user = query.from_user.id
        self.newest[user] = event.update_id
        await asyncio.sleep(self.seconds)
        if self.newest.get(user) != event.update_id:
            return SUPERSEDED
        del self.newest[user]
        return await handler(event, data)
