"""The one error handler: log with context (the log filter scrubs the token), tell the user."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent

from bot.telegram.middlewares import FAILED

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on my side. Your answers so far are kept: "
    "try again in a moment, or send /cancel to start over."
)


async def on_error(event: ErrorEvent, bot: Bot) -> str:
    """Log the failure with the update's id, type and chat; apologise in the chat."""
    update = event.update
    query = update.callback_query
    message = update.message or (query.message if query is not None else None)
    chat_id = message.chat.id if message is not None else None
    log.error(
        "update %d (%s, chat=%s) failed: %s",
        update.update_id,
        update.event_type,
        chat_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    with contextlib.suppress(TelegramAPIError):
        if query is not None:
            await query.answer()
    if chat_id is not None:
        with contextlib.suppress(TelegramAPIError):
            await bot.send_message(chat_id, SORRY)
    return FAILED


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
