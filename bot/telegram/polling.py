"""Long polling that confirms an update to Telegram only once it has been handled.

Telegram forgets every update below the `offset` of the next getUpdates call. aiogram's
polling loop moves the offset past an update as soon as it has fetched it, so an update
being handled when the process dies is lost. Here the offset stops at the lowest update still
in flight: chats are still handled concurrently (up to CONCURRENCY at once), one chat's
updates still in order (the chat's lock), and whatever was in flight at a crash comes back
after the restart. Updates handled above that lowest one come back too: the replay guard
(bot.telegram.replay) skips those.

The price: while anything is in flight, getUpdates returns at once (the unconfirmed updates
are still there to return), so the loop polls instead of waiting on a long poll, and re-reads
the unconfirmed updates each time (as JSON only: each update is parsed once). It asks again
at once after a call that brought new updates, POLL_PACE seconds after one that brought
none, and backs off to MAX_PACE while calls keep bringing none, so a busy stretch does not
spend the event loop re-reading the same page; once nothing is in flight it long-polls again
at once. Telegram returns at most 100 updates from the offset, so one slow update holds
back the intake of new ones once 100 newer updates have been fetched; the loop then waits for
the offset to move instead of asking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

log = logging.getLogger(__name__)

# Telegram holds a long-poll request open this long when there is nothing new.
POLLING_TIMEOUT = 25
# How many updates run at once; each holds its chat's lock, so chats never race.
CONCURRENCY = 64
# While updates are in flight getUpdates cannot long-poll (see the module docstring): this is
# how often it asks for new ones then, and the most it delays one.
POLL_PACE = 0.02
# ... doubled after each call that brought nothing new, up to this. At 200 chats a wave made
# 608 getUpdates calls at a 20 ms pace (230 under aiogram's confirm-on-fetch loop), each one
# re-reading up to 100 unconfirmed updates on the event loop.
MAX_PACE = 0.16
# Telegram returns at most this many updates from the offset (getUpdates' limit, 1-100).
GET_UPDATES_LIMIT = 100
# Failed getUpdates calls are retried with this backoff (aiogram's own polling defaults).
BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)
# How long stopping waits for running handlers (SIGTERM grace); unfinished ones come back.
DRAIN_SECONDS = 10.0


class GetRawUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates with the updates left as JSON objects: the poller parses each one once.

    Updates still unconfirmed come back in every response; parsing them all again each time
    cost about 60 microseconds an update on the event loop.
    """

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class Unconfirmed:
    """Fetched updates Telegram must keep: the offset to confirm up to, and which are new."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self._done: set[int] = set()  # handled, but above a running one: not confirmed yet
        self._next: int | None = None  # one past the highest update fetched

    def fetched(self, update_id: int) -> bool:
        """Record an update getUpdates returned; False when it was seen already."""
        offset = self.offset
        if update_id in self.running or update_id in self._done:
            return False
        if offset is not None and update_id < offset:
            return False  # confirmed already: Telegram should not send it again
        self.running.add(update_id)
        self._next = max(self._next or 0, update_id + 1)
        return True

    def finished(self, update_id: int) -> None:
        """Record that an update has been handled (state saved, replies sent)."""
        self.running.discard(update_id)
        self._done.add(update_id)
        offset = self.offset
        if offset is not None:
            self._done = {u for u in self._done if u >= offset}

    @property
    def offset(self) -> int | None:
        """The offset for the next getUpdates: the lowest update in flight, else one past all."""
        return min(self.running) if self.running else self._next


class Poller:
    """Fetches updates and feeds them to the dispatcher, confirming only handled ones."""

    def __init__(
        self,
        bot: Bot,
        dp: Dispatcher,
        *,
        timeout: int = POLLING_TIMEOUT,
        concurrency: int = CONCURRENCY,
        pace: float = POLL_PACE,
        drain: float = DRAIN_SECONDS,
    ) -> None:
        self.bot = bot
        self.dp = dp
        self.timeout = timeout
        self.pace = pace
        self.drain = drain
        self.allowed: list[str] | None = None
        self.unconfirmed = Unconfirmed()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._advanced = asyncio.Event()  # set when the offset moves
        self._drained = asyncio.Event()  # set when nothing is in flight any more

    def stop(self) -> None:
        """Stop fetching; run() then lets running handlers finish and returns."""
        self._stop.set()

    async def run(self, *, handle_signals: bool = True) -> None:
        """Poll until stop() (or SIGTERM/SIGINT); then drain, shut down, confirm, close.

        The dispatcher's startup and shutdown handlers run as under aiogram's start_polling.
        Running handlers get `drain` seconds to finish; what is handled by then is confirmed,
        and the rest is sent again to the next start. The bot's session is closed at the end.
        """
        loop = asyncio.get_running_loop()
        signals = (signal.SIGTERM, signal.SIGINT) if handle_signals else ()
        for sig in signals:
            loop.add_signal_handler(sig, self._on_signal, sig)
        workflow = {"dispatcher": self.dp, "bots": [self.bot], **self.dp.workflow_data}
        try:
            await self.dp.emit_startup(bot=self.bot, **workflow)
            me = await self.bot.me()
            log.info("polling as @%s (id %d)", me.username, me.id)
            fetching = asyncio.create_task(self._fetch_loop())
            stopping = asyncio.create_task(self._stop.wait())
            await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (fetching, stopping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            try:
                if self._tasks:
                    _, left = await asyncio.wait(set(self._tasks), timeout=self.drain)
                    if left:
                        log.warning(
                            "%d update(s) still running after %.0f s; stopping anyway "
                            "(Telegram sends them again to the next start)",
                            len(left),
                            self.drain,
                        )
                await self.dp.emit_shutdown(bot=self.bot, **workflow)
                await self._confirm()
            finally:
                await self.bot.session.close()
            log.info("polling stopped")

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("received %s: stopping", sig.name)
        self._stop.set()

    async def _fetch_loop(self) -> None:
        self.allowed = self.dp.resolve_used_update_types()
        backoff = Backoff(BACKOFF)
        pace = self.pace
        while True:
            try:
                raw = await self._get_updates()
            except Exception as exc:  # network, 5xx, 409, a body that is not JSON: keep polling
                # The exception's text may quote the request URL, which holds the token.
                log.error(
                    "getUpdates failed (%s); retrying in %.1f s",
                    type(exc).__name__,
                    backoff.next_delay,
                )
                await backoff.asleep()
                continue
            backoff.reset()
            fresh = 0
            for item in raw:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int):
                    log.warning("getUpdates returned an update without an id; ignored")
                    continue
                if not self.unconfirmed.fetched(update_id):
                    continue  # in flight or handled already: not parsed again
                update = self._parse(item, update_id)
                fresh += 1
                await self._slots.acquire()
                task = asyncio.create_task(self._handle(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            if fresh or not self.unconfirmed.running:
                pace = self.pace
                continue
            if len(raw) >= GET_UPDATES_LIMIT:
                # A full page of updates seen already: asking again before the lowest one is
                # done could only return the same page.
                self._advanced.clear()
                await self._advanced.wait()
                continue
            self._drained.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), pace)
            pace = min(pace * 2, MAX_PACE)

    # `timeout` is getUpdates' long-poll parameter, sent to Telegram, not a local deadline.
    async def _get_updates(self, timeout: int | None = None, limit: int | None = None) -> Any:  # noqa: ASYNC109
        method = GetRawUpdates(
            offset=self.unconfirmed.offset,
            limit=limit,
            timeout=self.timeout if timeout is None else timeout,
            allowed_updates=self.allowed,
        )
        # The request must outlive the long poll it asks Telegram for.
        request_timeout = int(self.bot.session.timeout + (method.timeout or 0))
        return await self.bot(method, request_timeout=request_timeout)

    def _parse(self, item: dict[str, Any], update_id: int) -> Update:
        try:
            return Update.model_validate(item, context={"bot": self.bot})
        except ValidationError as error:
            # A newer Bot API than this aiogram knows: fed bare, it is logged and skipped as
            # an unknown type, and confirmed like any other (else polling would stall on it).
            log.warning(
                "update %d does not match the Bot API schema (%d errors); skipped",
                update_id,
                error.error_count(),
            )
            return Update(update_id=update_id)

    async def _handle(self, update: Update) -> None:
        try:
            await self.dp.feed_update(self.bot, update)
        except Exception:
            # The error router answers a handler's failure; this is a failure around it.
            log.exception("update %d failed outside its handler", update.update_id)
        finally:
            self._slots.release()
            offset = self.unconfirmed.offset
            self.unconfirmed.finished(update.update_id)
            if self.unconfirmed.offset != offset:
                self._advanced.set()
            if not self.unconfirmed.running:
                self._drained.set()

    async def _confirm(self) -> None:
        """Tell Telegram what has been handled, so the next start does not get it again."""
        if self.unconfirmed.offset is None:
            return
        with contextlib.suppress(TelegramAPIError, OSError, asyncio.TimeoutError):
            await self._get_updates(timeout=0, limit=1)
