"""App factory and `python -m bot run`: long polling, or a webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import TelegramObject, Update
from aiohttp import web

from bot.config import Settings, storage_url_problem
from bot.errors import UserError
from bot.feedback import FeedbackLog, FeedbackStorageError, open_feedback_log
from bot.telegram.conversation import Engine
from bot.telegram.handlers import get_routers
from bot.telegram.handlers.commands import bot_commands
from bot.telegram.middlewares import (
    InFlight,
    InlineDebounce,
    RateLimitMiddleware,
    RetryRequestMiddleware,
    UpdateLogMiddleware,
)
from bot.telegram.ordering import OrderedIsolation, release_stale_locks
from bot.telegram.polling import Poller
from bot.telegram.replay import ReplayGuard
from bot.telegram.sending import (
    KeepResponseTypes,
    QuietChatActions,
    SendLimiter,
    SendRateMiddleware,
    prepare_schemas,
)
from bot.telegram.storage import (
    StorageConfigError,
    create_storage,
    sweep_daily,
    sweep_now,
)
from bot.telegram.webhook import (
    create_webhook_app,
    secret_problem,
    start_health_server,
    webhook_path,
)

log = logging.getLogger(__name__)

# How long shutdown waits for running handlers before closing storage (SIGTERM grace).
DRAIN_SECONDS = 10.0
# See load_for_serving: how long a thread may hold the GIL while another waits for it.
SWITCH_INTERVAL_S = 0.001
# See load_for_serving: allocations between two young collections (Python's default: 700).
GC_YOUNG_THRESHOLD = 20_000
# Inline queries wait this long for a newer one from the same user (see InlineDebounce):
# Telegram sends one per pause in typing, and the answer to an older one is thrown away.
INLINE_DEBOUNCE_SECONDS = 0.3
# Start-up waits for an unreachable Bot API with this backoff (seconds), capped, forever:
# exiting would make a supervisor restart us and reload the model every few seconds.
START_BACKOFF = 1.0
START_BACKOFF_CAP = 60.0


def create_bot(settings: Settings) -> Bot:
    """The Bot, pointed at TELEGRAM_API_URL when set; Bot API calls retry on 429 and 5xx."""
    if settings.bot_token is None:
        raise UserError("BOT_TOKEN is not set")
    if settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = AiohttpSession()
    prepare_schemas()
    session.middleware(KeepResponseTypes())
    if settings.send_rate_limit > 0:
        limiter = SendLimiter(
            settings.send_rate_limit, settings.send_chat_rate, settings.send_chat_burst
        )
        session.middleware(SendRateMiddleware(limiter))
    # Outside the retries: a chat action that still fails after them is dropped quietly.
    session.middleware(QuietChatActions())
    session.middleware(RetryRequestMiddleware())
    return Bot(settings.bot_token.get_secret_value().strip(), session=session)


async def _set_commands(bot: Bot) -> None:
    # Cosmetic: the command menu. A failure here must not keep the bot from starting.
    try:
        await bot.set_my_commands(bot_commands())
    except (TelegramAPIError, OSError) as exc:
        log.warning("could not set the command menu (%s); continuing", type(exc).__name__)


class OutermostDispatcher(Dispatcher):
    """A Dispatcher with one middleware around everything, aiogram's own outer ones included.

    aiogram registers its error, user-context and FSM middlewares first on dp.update, and a
    middleware manager only appends. feed_update is the public entry point that polling and
    webhooks both call: wrapping it puts `outermost` outside them all.
    """

    def __init__(
        self,
        *,
        outermost: BaseMiddleware,
        early: Sequence[BaseMiddleware] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.outermost = outermost
        # Inside `outermost`, still before aiogram's middlewares (and the chat's lock).
        self.early = tuple(early)

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        """aiogram's feed_update, called through the outermost and the early middlewares."""
        feed = super().feed_update

        async def handler(event: TelegramObject, data: dict[str, Any]) -> Any:
            return await feed(bot, update, **kwargs)

        chain: Any = handler
        for middleware in reversed(self.early):
            chain = functools.partial(middleware, chain)
        return await self.outermost(chain, update, {**self.workflow_data, **kwargs, "bot": bot})


def create_dispatcher(
    settings: Settings,
    engine: Engine,
    storage: BaseStorage,
    isolation: BaseEventIsolation | None = None,
    drain_seconds: float = DRAIN_SECONDS,
    inflight: InFlight | None = None,
    inline_debounce: float = INLINE_DEBOUNCE_SECONDS,
) -> Dispatcher:
    """The Dispatcher with every router, the storage, per-chat isolation and the engine.

    `inflight` tracks the running updates (a fresh InFlight unless given one to watch).
    """
    inflight = inflight if inflight is not None else InFlight()
    feedback = _feedback_log(settings)
    if isolation is None or isinstance(isolation, SimpleEventIsolation):
        isolation = SimpleEventIsolation()  # already a FIFO asyncio.Lock per chat
    else:
        isolation = OrderedIsolation(isolation)  # Redis's lock alone does not keep order
    dp = OutermostDispatcher(
        # Outside aiogram's error middleware: the log line's duration and the "handled" mark
        # then include the error handler's apology.
        outermost=UpdateLogMiddleware(inflight),
        early=(InlineDebounce(inline_debounce),),
        storage=storage,
        events_isolation=isolation,
        settings=settings,
        engine=engine,
        inflight=inflight,
        feedback=feedback,
    )
    dp.include_routers(*get_routers())
    # Inner: they see only what a handler accepted, after the chat's lock is held. A replay
    # is skipped before it can use the user's flood budget.
    guard = ReplayGuard()
    limiter = RateLimitMiddleware(settings.rate_limit_messages, settings.rate_limit_seconds)
    for observer in (dp.message, dp.callback_query):
        observer.middleware(guard)
        observer.middleware(limiter)
    # Inline queries change no state (nothing to replay) but share the user's flood budget.
    dp.inline_query.middleware(limiter)

    # aiogram closes storage first on shutdown; running handlers still need it, so we drain
    # them (bounded) and close storage ourselves.
    dp.shutdown.handlers = [h for h in dp.shutdown.handlers if h.callback != dp.fsm.close]

    sweeping: list[asyncio.Task[None]] = []

    async def on_startup(bot: Bot) -> None:
        await _set_commands(bot)
        # Conversations past CONVERSATION_TTL_DAYS: SQLite deletes them now and daily.
        await sweep_now(storage)
        sweeping.append(asyncio.create_task(sweep_daily(storage)))

    async def on_shutdown() -> None:
        for task in sweeping:
            task.cancel()
        left = await inflight.drain(drain_seconds)
        if left:
            log.warning(
                "%d update(s) still running after %.0f s; stopping anyway", left, drain_seconds
            )
        await dp.fsm.close()
        if feedback is not None:
            await feedback.close()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def run_polling(
    bot: Bot, dp: Dispatcher, *, handle_signals: bool = True, poller: Poller | None = None
) -> None:
    """Long polling until SIGTERM/SIGINT (or poller.stop()); closes storage and session.

    An update is confirmed to Telegram only once handled (see bot.telegram.polling).
    """
    with contextlib.suppress(TelegramAPIError):
        # A webhook left from an earlier deployment blocks getUpdates.
        await bot.delete_webhook(drop_pending_updates=False)
    await release_stale_locks(dp.fsm.events_isolation, bot.id)
    poller = poller or Poller(bot, dp, drain=DRAIN_SECONDS)
    await poller.run(handle_signals=handle_signals)


async def start_webhook(
    bot: Bot, dp: Dispatcher, settings: Settings
) -> tuple[web.AppRunner, web.TCPSite]:
    """Serve the webhook on WEBHOOK_HOST:WEBHOOK_PORT and register it with Telegram."""
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    app = create_webhook_app(
        dp,
        bot,
        path=webhook_path(settings.webhook_url),
        secret=secret,
        trust_forwarded_for=settings.trust_forwarded_for,
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
    )
    log.info("webhook server listening on %s:%d", settings.webhook_host, settings.webhook_port)
    return runner, site


async def run_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    """Webhook mode until SIGTERM/SIGINT; then drain handlers, close storage and session."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner, _ = await start_webhook(bot, dp, settings)
    try:
        await stop.wait()
        log.info("stopping the webhook server")
    finally:
        # The webhook stays registered: another replica (or the next start) keeps serving it.
        await runner.cleanup()


def _feedback_log(settings: Settings) -> FeedbackLog | None:
    """The feedback log in the conversations' storage; None with FEEDBACK_LOG=off."""
    if not settings.feedback_log:
        return None
    try:
        # Records live as long as conversations do (CONVERSATION_TTL_DAYS after their day).
        return open_feedback_log(settings.resolved_storage_url(), settings.conversation_ttl)
    except FeedbackStorageError as exc:
        raise UserError(str(exc)) from None


def _storage(settings: Settings) -> tuple[BaseStorage, BaseEventIsolation]:
    try:
        return create_storage(settings.resolved_storage_url(), settings.conversation_ttl)
    except StorageConfigError as exc:
        raise UserError(str(exc)) from None


async def _check_storage(storage: BaseStorage) -> None:
    redis = getattr(storage, "redis", None)
    if redis is None:
        return
    try:
        await redis.ping()
    except Exception as exc:  # redis raises ConnectionError, TimeoutError, OSError subclasses
        await storage.close()
        raise UserError(f"cannot reach Redis from STORAGE_URL ({type(exc).__name__})") from None


async def wait_for_bot_api(bot: Bot, where: str, backoff: float = START_BACKOFF) -> bool:
    """Call getMe until it works (capped backoff); False if SIGTERM/SIGINT came first.

    A rejected token is not worth retrying: it raises UserError at once.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        delay = backoff
        while not stop.is_set():
            try:
                await bot.me()
                return True
            except TelegramUnauthorizedError:
                raise UserError("the Bot API rejected BOT_TOKEN (401 Unauthorized)") from None
            except (TimeoutError, TelegramAPIError, OSError) as exc:
                # The exception's text may quote the request URL, which holds the token.
                log.error(
                    "cannot reach the Telegram Bot API at %s (%s); retrying in %.0f s",
                    where,
                    type(exc).__name__,
                    delay,
                )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, START_BACKOFF_CAP)
        return False
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def serve(settings: Settings, engine: Engine, **kwargs: Any) -> None:
    """Run the bot (polling or webhook, by settings) with `engine` until told to stop."""
    storage, isolation = _storage(settings)
    await _check_storage(storage)
    bot = create_bot(settings)
    try:
        reachable = await wait_for_bot_api(bot, settings.telegram_api_url or "api.telegram.org")
    except BaseException:
        await storage.close()
        await bot.session.close()
        raise
    if not reachable:
        log.info("stopped before the Bot API could be reached")
        await storage.close()
        await bot.session.close()
        return
    dp = create_dispatcher(settings, engine, storage, isolation, **kwargs)
    if settings.webhook_url:
        await run_webhook(bot, dp, settings)
        return
    health = None
    if settings.health_port:
        health = await start_health_server(settings.webhook_host, settings.health_port)
    try:
        await run_polling(bot, dp)
    finally:
        if health is not None:
            await health.cleanup()


def _freeze_when_loaded(model: Any) -> None:
    with contextlib.suppress(Exception):  # a failed load is reported by the turns that wait
        model.wait()
        gc.freeze()


def load_for_serving(settings: Settings) -> Engine:
    """The engine, its model loading in the background, and the interpreter tuned for serving:
    what `run` serves with (the bench's engine bot too, so the two differ in the adapter only).
    """
    from bot.embedding.loader import load_embedder
    from bot.wiring import build_engine

    # The model loads in a thread while the bot starts polling: /start, buttons and the form
    # answer at once, and turns that need the model wait for it (in their worker thread).
    # One model thread, one core for the event loop: with two torch threads next to a busy
    # loop, 200 chats got 240 updates/s against 320 with one (traced model; eager: 153
    # against 168).
    model = load_embedder(settings.embedder, background=True, threads=1)
    engine = build_engine(settings)
    # The model and aiogram's pydantic types are long-lived; a full collection walked
    # them all (about 70 ms, measured, with the event loop stopped). Frozen, GC skips them.
    gc.collect()
    gc.freeze()
    # An update allocates thousands of short-lived objects (aiogram's types, the engine's
    # readings, aiohttp's requests), nearly all freed by their reference counts. At Python's
    # default of a young collection every 700 allocations, the e2e bench's 400 updates ran
    # 206 collections, 77-154 ms of the event loop (5-10% of it); at 20,000 they ran 2
    # (15 ms). Cycles are still collected, in fewer passes of about 8 ms.
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    threading.Thread(target=_freeze_when_loaded, args=(model,), daemon=True).start()
    # For the eager fallback (see embedder._traced_forward): eager torch gives the GIL back
    # between operators and must win it again from the busy event loop, which keeps it up to
    # the switch interval (5 ms by default): one query took 916 ms next to a busy thread
    # instead of 7 ms; at 1 ms it takes 24 ms. The traced model is indifferent to it.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return engine


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot: long polling, or a webhook server when WEBHOOK_URL is set."""
    problem = settings.token_problem()
    if problem:
        raise UserError(
            f"{problem}. Get a token from @BotFather in Telegram (/newbot), then run "
            "`BOT_TOKEN=... make run`; `make chat` works without one."
        )
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        problem = secret_problem(secret)
        if problem:
            raise UserError(problem)
    problem = storage_url_problem(settings.resolved_storage_url())
    if problem:  # fail fast, before spending seconds loading the model
        raise UserError(problem)
    engine = load_for_serving(settings)
    asyncio.run(serve(settings, engine))
    return 0
