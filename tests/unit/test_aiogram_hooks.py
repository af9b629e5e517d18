"""What the adapter relies on in aiogram and pydantic, pinned so an upgrade fails here first.

- Lazy schemas (bot/telegram/__init__.py): checked in a fresh interpreter.
- The update log outside aiogram's own middlewares: through the public Dispatcher.feed_update.
- The ordered webhook: the public SimpleRequestHandler.handle, feeding feed_raw_update.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import BaseRequestHandler, SimpleRequestHandler
from aiohttp import streams, web
from aiohttp.test_utils import make_mocked_request
from support.session import RecordingSession

from bot.config import Settings
from bot.telegram.app import OutermostDispatcher, create_dispatcher
from bot.telegram.handlers.errors import SORRY
from bot.telegram.middlewares import UpdateLogMiddleware
from bot.telegram.webhook import SECRET_HEADER, OrderedRequestHandler
from devkit.fake_engine import FakeEngine
from devkit.harness import TEST_TOKEN, text_update

REPO = Path(__file__).resolve().parents[2]

# What the old import-time self-check did, and more: after `import bot.telegram`, the schemas are
# still unbuilt (lazy), what every bot parses and sends works, and every model aiogram exports
# builds in the namespace recorded for it, so none can fail on first use in production.
LAZY_SCHEMAS = """
import pydantic
import bot.telegram
import aiogram.methods, aiogram.types
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Sticker, Update
from aiogram.methods import SendMessage

rebuild = pydantic.BaseModel.__dict__["model_rebuild"]
assert rebuild.__func__.__module__.startswith("pydantic."), "model_rebuild is still patched"
assert not Sticker.__pydantic_complete__, "aiogram built every schema at import"

user = {"id": 1, "is_bot": False, "first_name": "a"}
message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "hi"}
update = Update.model_validate({"update_id": 1, "callback_query": {
    "id": "1", "from": user, "chat_instance": "1", "data": "x",
    "message": {**message, "from": user}}})
assert update.callback_query.from_user.id == 1
markup = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]])
SendMessage(chat_id=1, text="x", reply_markup=markup).model_dump()

models = [
    model
    for module in (aiogram.types, aiogram.methods)
    for model in (getattr(module, name) for name in module.__all__)
    if isinstance(model, type) and issubclass(model, pydantic.BaseModel)
]
assert len(models) > 400, len(models)
for model in models:
    model.model_rebuild()  # raises when a forward reference does not resolve
    assert model.__pydantic_complete__, model
"""


@pytest.mark.subprocess
def test_lazy_schemas_hold_in_a_fresh_interpreter():
    # A fresh interpreter: this one imported aiogram long ago.
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", LAZY_SCHEMAS],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_the_aiogram_entry_points_the_adapter_uses_keep_their_signatures():
    # Public, but the adapter overrides or calls them with these names: say so if they change.
    assert _parameters(Dispatcher.feed_update) == ["self", "bot", "update", "kwargs"]
    assert _parameters(Dispatcher.feed_raw_update) == ["self", "bot", "update", "kwargs"]
    assert _parameters(Dispatcher.silent_call_request) == ["bot", "result"]
    assert _parameters(BaseRequestHandler.handle) == ["self", "request"]
    assert _parameters(SimpleRequestHandler.resolve_bot) == ["self", "request"]
    assert _parameters(SimpleRequestHandler.verify_secret) == [
        "self",
        "telegram_secret_token",
        "bot",
    ]


def _dispatcher(engine: FakeEngine) -> Dispatcher:
    return create_dispatcher(Settings(_env_file=None), engine, MemoryStorage())  # type: ignore[call-arg]


async def test_the_update_log_sees_the_error_handlers_outcome(caplog):
    # "failed" is what the error handler returns: the log middleware sits outside aiogram's
    # error middleware, so the line and the in-flight mark come after the apology.
    engine = FakeEngine()
    engine.fail_next = True
    dp = _dispatcher(engine)
    assert isinstance(dp, OutermostDispatcher)
    assert isinstance(dp.outermost, UpdateLogMiddleware)
    session = RecordingSession()
    bot = Bot(TEST_TOKEN, session=session)
    update = Update.model_validate(text_update(7, "hello", chat_id=9), context={"bot": bot})
    with caplog.at_level(logging.INFO, logger="bot.telegram.middlewares"):
        await dp.feed_update(bot, update)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.middlewares"]
    assert len(lines) == 1 and lines[0].startswith("update 7 message chat=9 failed in ")
    assert session.texts() == [SORRY]


def _request(body: dict[str, object], secret: str) -> web.Request:
    loop = asyncio.get_running_loop()
    payload = streams.StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=loop)
    payload.feed_data(json.dumps(body).encode())
    payload.feed_eof()
    return make_mocked_request(
        "POST",
        "/webhook",
        headers={SECRET_HEADER: secret, "Content-Type": "application/json"},
        payload=payload,
    )


async def test_the_webhook_route_is_the_ordered_handler_and_feeds_the_dispatcher():
    dp = _dispatcher(FakeEngine())
    session = RecordingSession()
    bot = Bot(TEST_TOKEN, session=session)
    handler = OrderedRequestHandler(dispatcher=dp, bot=bot, secret_token="right")
    app = web.Application()
    handler.register(app, path="/webhook")
    (route,) = [r for r in app.router.routes() if r.method == "POST"]
    assert route.handler == handler.handle

    refused = await handler.handle(_request(text_update(1, "/start"), "wrong"))
    assert refused.status == 401
    assert not handler._feeding and not session.calls
    answered = await handler.handle(_request(text_update(2, "/start"), "right"))
    assert answered.status == 200
    await asyncio.wait_for(asyncio.gather(*handler._feeding), 10)
    assert session.texts(), "the update was acknowledged but never handled"


def test_every_handler_and_filter_runs_on_the_event_loop() -> None:
    """aiogram runs a callback that is not a coroutine function (F.text is one) in a worker
    thread: a thread hop per update, and GIL contention with the loop and the model."""
    from bot.telegram.handlers import get_routers

    sync: list[str] = []
    for router in get_routers():
        for name, observer in router.observers.items():
            for handler in observer.handlers:
                for obj in (handler, *(handler.filters or ())):
                    if not obj.awaitable:
                        sync.append(f"{router.name}.{name}: {obj.callback!r}")
            # Router-wide filters (router.message.filter(...)) live on the observer's own handler.
            for obj in observer._handler.filters or ():
                if not obj.awaitable:
                    sync.append(f"{router.name}.{name} filter: {obj.callback!r}")
    assert sync == []
