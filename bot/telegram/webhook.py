"""Webhook mode: an aiohttp server that checks Telegram's secret_token, plus /healthz."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

log = logging.getLogger(__name__)

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


async def healthz(request: web.Request) -> web.Response:
    """Liveness for load balancers and compose."""
    return web.Response(text="ok")


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
    handler = SimpleRequestHandler(
        dispatcher=dispatcher, bot=bot, secret_token=secret, handle_in_background=True
    )
    handler.register(app, path=path)
    return app
