"""Webhook mode: an aiohttp server that checks Telegram's secret_token, plus /healthz.

An update is acknowledged (200) only once it has been handled. With Redis storage, replicas
serve one chat's updates in the order they were received.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.telegram.ordering import ChatTickets, chat_key

log = logging.getLogger(__name__)

# Telegram sends the webhook's secret_token back in this header with every update.
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and - as secret_token.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def secret_problem(secret: str | None) -> str | None:
    """Why WEBHOOK_SECRET cannot be used in webhook mode (None when it is fine)."""
    if not secret:
        return "WEBHOOK_SECRET is required when WEBHOOK_URL is set"
    if not _SECRET_RE.match(secret):
        return "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
    return None


def webhook_path(url: str) -> str:
    """The path Telegram posts to, from WEBHOOK_URL ('/webhook' when the URL has none)."""
    path = urlsplit(url).path
    return path if path and path != "/" else "/webhook"


def client_ip(request: web.Request, trust_forwarded_for: bool) -> str:
    """The caller's address; X-Forwarded-For only when a trusted proxy sets it."""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if trust_forwarded_for and forwarded:
        return forwarded.split(",", 1)[0].strip()
    return request.remote or "?"


def _log_rejections(trust_forwarded_for: bool) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if response.status == 401:
            # Never log the header itself: a wrong secret may be a near-miss of the right one.
            log.warning(
                "webhook request from %s refused: missing or wrong secret token",
                client_ip(request, trust_forwarded_for),
            )
        return response

    return middleware


class OrderedRequestHandler(SimpleRequestHandler):
    """Answers Telegram 200 once the update is handled, one chat's updates in order.

    Until the 200, Telegram keeps the update and sends it again if this process dies (the
    replay guard skips it if it was applied after all). Telegram sends one chat's next update
    only after that 200, and replicas serve a chat's tickets in order besides. If Redis is
    down the request fails, and Telegram delivers the update again later.

    aiogram's own background mode lives in private methods; this overrides the public `handle`
    (the route `register` adds) and feeds through the dispatcher's public feed_raw_update.
    tests/unit/test_aiogram_hooks.py pins the aiogram signatures it relies on.
    """

    def __init__(self, *args: Any, tickets: ChatTickets | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tickets = tickets
        self._feeding: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        """Check the secret, take the chat's ticket, handle the update, then answer 200."""
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), bot):
            return web.Response(body="Unauthorized", status=401)
        update = await request.json(loads=bot.session.json_loads)
        key = chat_key(bot.id, update) if self.tickets is not None else None
        ticket = await self.tickets.take(key) if self.tickets is not None and key else 0
        task = asyncio.create_task(self._feed_in_turn(bot, update, key, ticket))
        self._feeding.add(task)
        task.add_done_callback(self._feeding.discard)
        # Shielded: a request cancelled mid-turn must not cut the turn short.
        await asyncio.shield(task)
        return web.json_response({}, dumps=bot.session.json_dumps)

    __call__ = handle

    async def _feed_in_turn(
        self, bot: Bot, update: dict[str, Any], key: str | None, ticket: int
    ) -> None:
        if self.tickets is None or key is None:
            await self._feed(bot, update)
            return
        await self.tickets.wait_turn(key, ticket)
        try:
            await self._feed(bot, update)
        finally:
            await self.tickets.served(key, ticket)

    async def _feed(self, bot: Bot, update: dict[str, Any]) -> None:
        result = await self.dispatcher.feed_raw_update(bot, update, **self.data)
        if isinstance(result, TelegramMethod):  # a handler's "answer in the webhook reply"
            await self.dispatcher.silent_call_request(bot, result)


async def healthz(request: web.Request) -> web.Response:
    """Liveness for load balancers and compose."""
    return web.Response(text="ok")


async def start_health_server(host: str, port: int) -> web.AppRunner:
    """Serve only GET /healthz on host:port (polling mode has no webhook server to carry it)."""
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def create_webhook_app(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    path: str,
    secret: str,
    trust_forwarded_for: bool = False,
) -> web.Application:
    """The aiohttp app: POST `path` (secret checked, else 401) and GET /healthz."""
    app = web.Application(middlewares=[_log_rejections(trust_forwarded_for)])
    app.router.add_get("/healthz", healthz)
    # Start-up and shutdown first, so on shutdown handlers drain and storage closes before the
    # request handler closes the bot's session (aiohttp runs on_shutdown in order).
    setup_application(app, dispatcher, bot=bot)
    # Replicas share the storage's Redis; SQLite means one process, ordered by its own lock.
    redis = getattr(dispatcher.storage, "redis", None)
    handler = OrderedRequestHandler(
        dispatcher=dispatcher,
        bot=bot,
        secret_token=secret,
        tickets=ChatTickets(redis) if redis is not None else None,
    )
    handler.register(app, path=path)
    return app
