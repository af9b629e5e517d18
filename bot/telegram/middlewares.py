"""Per-update logging, in-flight tracking for graceful shutdown, and request retries."""

from __future__ import annotations

import asyncio
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
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

log = logging.getLogger(__name__)

# What the error handler returns, so the update's log line says "failed".
FAILED = "failed"


class InFlight:
    """The updates being handled right now, so shutdown can let them finish."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.handled: set[int] = set()
        self._changed = asyncio.Event()

    def started(self, task: asyncio.Task[Any]) -> None:
        """Record that `task` is handling an update."""
        self.tasks.add(task)

    def finished(self, task: asyncio.Task[Any], update_id: int) -> None:
        """Record that `task` is done with update `update_id`."""
        self.tasks.discard(task)
        self.handled.add(update_id)
        # Bounded memory: only the most recent ids matter to anyone waiting.
        if len(self.handled) > 10_000:
            self.handled = set(sorted(self.handled)[-5_000:])
        self._changed.set()

    async def wait_handled(self, update_id: int) -> None:
        """Return once update `update_id` has been fully handled (tests and benchmarks)."""
        while update_id not in self.handled:
            self._changed.clear()
            await self._changed.wait()

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` s for running handlers; return how many are still running."""
        others = {t for t in self.tasks if t is not asyncio.current_task()}
        if not others:
            return 0
        _, pending = await asyncio.wait(others, timeout=timeout)
        return len(pending)


def _describe(update: Update) -> tuple[str, int | None]:
    kind = update.event_type
    event = update.event
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
                "unhandled" if result is UNHANDLED else "failed" if result == FAILED else "ok"
            )
            return result
        finally:
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
        # getUpdates has the dispatcher's own backoff; retrying it here would double the wait.
        if isinstance(method, GetUpdates):
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
            except TelegramServerError:
                if attempt == self.attempts:
                    raise
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning(
                    "%s got a server error; retrying in %.1f s", method.__api_method__, delay
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
