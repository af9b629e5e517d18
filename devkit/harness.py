"""The bot running in-process against FakeBotAPI: push an update, wait until it is handled."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web
from pydantic import SecretStr

from bot.config import Settings
from bot.telegram.app import create_bot, create_dispatcher, run_polling, start_webhook
from bot.telegram.conversation import Engine
from bot.telegram.middlewares import InFlight
from bot.telegram.polling import Poller
from bot.telegram.storage import create_storage
from devkit.fake_bot_api import Call, FakeBotAPI

# A token shaped like @BotFather's (aiogram validates the shape); it means nothing anywhere.
TEST_TOKEN = "123456789:AAtestTOKENtestTOKENtestTOKENtestTOK"


def harness_settings(api: FakeBotAPI, storage_url: str, **overrides: Any) -> Settings:
    """Settings pointing the bot at `api` with the given storage."""
    # The fake server is not Telegram: its limits would only add waiting (the telegram tests
    # took 140 s instead of 65 s with 1 message/s per chat). Tests may turn it back on.
    overrides.setdefault("send_rate_limit", 0)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TEST_TOKEN),
        telegram_api_url=api.base_url,
        storage_url=storage_url,
        **overrides,
    )


class WatchedInFlight(InFlight):
    """InFlight that also remembers which updates finished, so a test can wait for one."""

    def __init__(self) -> None:
        super().__init__()
        self.handled: set[int] = set()
        self._changed = asyncio.Event()

    def finished(self, task: asyncio.Task[Any], update_id: int) -> None:
        """As InFlight, and wake whoever waits for `update_id`."""
        super().finished(task, update_id)
        self.handled.add(update_id)
        self._changed.set()

    async def wait_handled(self, update_id: int) -> None:
        """Return once update `update_id` has been fully handled."""
        while update_id not in self.handled:
            self._changed.clear()
            await self._changed.wait()


class BotHarness:
    """Runs long polling in a task; `turn()` pushes one update and waits for its handling."""

    def __init__(self, api: FakeBotAPI, engine: Engine, storage_url: str, **settings: Any):
        self.api = api
        self.engine = engine
        self.settings = harness_settings(api, storage_url, **settings)
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        self.poller: Poller | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def inflight(self) -> WatchedInFlight:
        """The dispatcher's in-flight tracker."""
        assert self.dp is not None
        return self.dp["inflight"]  # type: ignore[no-any-return]

    async def start(self, drain_seconds: float = 10.0) -> None:
        """Build the bot as `python -m bot run` does and start polling."""
        storage, isolation = create_storage(
            self.settings.resolved_storage_url(), self.settings.conversation_ttl
        )
        self.bot = create_bot(self.settings)
        self.dp = create_dispatcher(
            self.settings,
            self.engine,
            storage,
            isolation,
            drain_seconds=drain_seconds,
            inflight=WatchedInFlight(),
        )
        self.poller = Poller(self.bot, self.dp, drain=drain_seconds)
        mark = len(self.api.calls)
        self._task = asyncio.create_task(
            run_polling(self.bot, self.dp, handle_signals=False, poller=self.poller)
        )
        await self.api.wait_for(lambda c: c.method == "getUpdates", since=mark)

    async def stop(self) -> None:
        """A clean stop: polling ends, running handlers finish, storage and session close."""
        if self.poller is not None:
            self.poller.stop()
        if self._task is not None:
            await self._task
            self._task = None

    async def turn(self, update: Awaitable[int], timeout: float = 120.0) -> list[Call]:
        """Push an update (e.g. api.send_text(...)); return the Bot API calls its handling made."""
        mark = len(self.api.calls)
        update_id = await update
        await asyncio.wait_for(self.inflight.wait_handled(update_id), timeout)
        return [c for c in self.api.calls[mark:] if c.method != "getUpdates"]


def buttons(message: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A bot message's buttons as (label, callback_data, action name)."""
    from bot.telegram.keyboards import OptionCallback, RefCallback, unpack_option

    found = []
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            action = ""
            if data.startswith("o:"):
                option = unpack_option(OptionCallback.unpack(data))
                action = option.action if option is not None else ""
            elif data.startswith("r:"):
                RefCallback.unpack(data)
                action = "ref"
            found.append((button["text"], data, action))
    return found


def last_with_buttons(api: FakeBotAPI, chat_id: int) -> dict[str, Any] | None:
    """The newest bot message in the chat that still has buttons."""
    for message in reversed(api.bot_messages(chat_id)):
        if message.get("reply_markup"):
            return message
    return None


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve_webhook(
    api: FakeBotAPI, engine: Engine, storage_url: str, url: str, secret: str, **overrides: Any
) -> tuple[web.AppRunner, str]:
    """The bot serving its webhook (`url`'s path) on a free loopback port; (runner, base URL)."""
    port = free_port()
    settings = harness_settings(
        api,
        storage_url,
        webhook_url=url,
        webhook_secret=SecretStr(secret),
        webhook_host="127.0.0.1",
        webhook_port=port,
        **overrides,
    )
    storage, isolation = create_storage(settings.resolved_storage_url(), settings.conversation_ttl)
    dp = create_dispatcher(settings, engine, storage, isolation)
    runner, _ = await start_webhook(create_bot(settings), dp, settings)
    return runner, f"http://127.0.0.1:{port}"


def text_update(update_id: int, text: str, chat_id: int = 9) -> dict[str, Any]:
    """A raw Update carrying a private text message from `chat_id`, as Telegram posts it."""
    chat = {"id": chat_id, "type": "private", "first_name": "T"}
    sender = {"id": chat_id, "is_bot": False, "first_name": "T"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": chat,
            "from": sender,
            "text": text,
        },
    }
