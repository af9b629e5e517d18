"""Outgoing Bot API calls: Telegram's send-rate limits, and aiogram's response types kept alive."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, methods, types
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from cachetools import TLRUCache

from bot.telegram.polling import GetRawUpdates

log = logging.getLogger(__name__)

# Calls that put something new or changed in front of a user count against Telegram's limits
# (about 1 message/s per chat with short bursts, about 30 messages/s per bot); chat actions
# and callback answers do not.
LIMITED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
    }
)
# At most this many chats' schedules are kept (a drained one is forgotten anyway).
_PRUNE_AT = 10_000


@dataclass
class _Bucket:
    """Generic cell rate algorithm: `tat` is when the bucket would be empty again."""

    interval: float
    tolerance: float
    tat: float = 0.0

    def earliest(self, now: float) -> float:
        return max(now, self.tat - self.tolerance)

    def take(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval


class SendLimiter:
    """Schedules sends so no chat exceeds `per_chat`/s (bursts of `chat_burst`) and the bot
    `per_bot`/s (bursts of `bot_burst`); pure: the caller passes the clock."""

    def __init__(
        self, per_bot: float, per_chat: float, chat_burst: int = 3, bot_burst: int = 30
    ) -> None:
        if per_bot <= 0 or per_chat <= 0:
            raise ValueError("rates must be positive (0 means: build no limiter)")
        self._per_chat, self._chat_burst = per_chat, max(1, chat_burst)
        self._bot = _Bucket(1 / per_bot, (max(1, bot_burst) - 1) / per_bot)
        self._now = 0.0  # the caller's clock, as of the current reserve()
        # A chat's schedule that has drained (its tat has passed) equals a fresh one: it
        # expires then.
        self._chats: TLRUCache[int | str, _Bucket] = TLRUCache(
            maxsize=_PRUNE_AT, ttu=lambda _key, chat, _now: chat.tat, timer=lambda: self._now
        )

    def reserve(self, chat_id: int | str, now: float) -> float:
        """Book the next send to `chat_id`; return how many seconds to wait before sending."""
        self._now = now
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _Bucket(1 / self._per_chat, (self._chat_burst - 1) / self._per_chat)
        at = max(chat.earliest(now), self._bot.earliest(now))
        chat.take(at)
        self._bot.take(at)
        self._chats[chat_id] = chat  # (again): it now expires at its new tat
        return at - now

    def __len__(self) -> int:
        return len(self._chats)


class SendRateMiddleware(BaseRequestMiddleware):
    """Delays limited Bot API calls (LIMITED_METHODS) as SendLimiter schedules them."""

    def __init__(self, limiter: SendLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if method.__api_method__ in LIMITED_METHODS and isinstance(chat_id, int | str):
            delay = self.limiter.reserve(chat_id, asyncio.get_running_loop().time())
            if delay > 0:
                await asyncio.sleep(delay)
        return await make_request(bot, method)


class QuietChatActions(BaseRequestMiddleware):
    """A chat action ("typing…") that fails in the end is logged and reported as sent.

    It is cosmetic: the reply that follows matters, and aiogram's ChatActionSender would
    otherwise stop renewing and leave an exception in its task that nobody retrieves.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        quiet = isinstance(method, methods.SendChatAction)
        try:
            return await make_request(bot, method)
        except (TelegramAPIError, OSError) as exc:  # OSError includes TimeoutError
            if not quiet:
                raise
            log.info("chat action failed (%s); carrying on", type(exc).__name__)
            # The session hands middlewares the result, not the Response it is typed as.
            return True  # type: ignore[return-value]


# aiogram validates every reply as Response[<the method's return type>]; pydantic keeps those
# generic classes in a WeakValueDictionary, so each garbage collection evicts them and the next
# call rebuilds one (3 ms on the event loop, measured: 13% of the loop in a 200-chat run).
_RESPONSE_TYPES: dict[Any, Any] = {}


class KeepResponseTypes(BaseRequestMiddleware):
    """Holds a strong reference to each Response[T] aiogram builds, so it is built once."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        _keep_response_type(method.__returning__)
        return await make_request(bot, method)


def _keep_response_type(returning: Any) -> None:
    try:
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]
    except TypeError:  # an unhashable type annotation: nothing to keep, nothing lost
        pass


# Every Bot API method the bot calls (bot.telegram builds aiogram's schemas on first use).
CALLED_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    GetRawUpdates,
    methods.GetMe,
    methods.SendMessage,
    methods.EditMessageText,
    methods.EditMessageReplyMarkup,
    methods.AnswerCallbackQuery,
    methods.SendChatAction,
    methods.SendPhoto,
    methods.SetMyCommands,
    methods.SetWebhook,
    methods.DeleteWebhook,
)


# The types the bot parses (a webhook's update) or builds (buttons) outside any method call.
BUILT_TYPES: tuple[type[Any], ...] = (
    types.Update,
    types.InlineKeyboardMarkup,
    types.InlineKeyboardButton,
)


def prepare_schemas() -> None:
    """Build the schemas of every call the bot makes now, at start-up, not in the first chats.

    Built lazily, the first editMessageText of a 200-chat run paid for its schema and its
    Response[Message | bool] in the middle of the run.
    """
    for model in BUILT_TYPES:
        model.model_rebuild()
    for method in CALLED_METHODS:
        method.model_rebuild()
        _keep_response_type(method.__returning__)
