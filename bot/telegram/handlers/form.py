"""Button presses: every press is answered at once, then goes to the engine."""

from __future__ import annotations

import contextlib

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.feedback import FeedbackLog
from bot.replies import Option, Turn
from bot.telegram.conversation import (
    EXPIRED,
    REFS_KEY,
    Chat,
    Engine,
    converse,
    repeat_question,
)
from bot.telegram.handlers.common import chat_of_query
from bot.telegram.keyboards import OptionCallback, RefCallback, unpack_option, unpack_ref


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a query older than Telegram's 15 minutes just fails."""
    with contextlib.suppress(TelegramBadRequest):
        await query.answer(text)


def _label(query: CallbackQuery) -> str:
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        for row in message.reply_markup.inline_keyboard:
            for button in row:
                if button.callback_data == query.data:
                    return button.text
    return ""


async def _press(
    query: CallbackQuery,
    option: Option | None,
    step: int,
    state: FSMContext,
    engine: Engine,
    chat: Chat | None,
    feedback: FeedbackLog | None = None,
) -> None:
    if chat is None:
        await answer_query(query, EXPIRED)
        return
    if option is None:
        await answer_query(query, EXPIRED)
        await repeat_question(state, chat, EXPIRED)
        return
    await answer_query(query)
    chat.pressed_label = _label(query) or option.label
    option = Option(
        label=option.label or chat.pressed_label,
        action=option.action,
        slot=option.slot,
        value=option.value,
    )
    await converse(state, engine, Turn(option=option, step=step), chat, feedback)


async def on_option(
    query: CallbackQuery,
    callback_data: OptionCallback,
    state: FSMContext,
    engine: Engine,
    bot: Bot,
    feedback: FeedbackLog | None = None,
) -> None:
    """A button that carries its option."""
    await _press(
        query,
        unpack_option(callback_data),
        callback_data.step,
        state,
        engine,
        chat_of_query(query, bot),
        feedback,
    )


async def on_option_ref(
    query: CallbackQuery,
    callback_data: RefCallback,
    state: FSMContext,
    engine: Engine,
    bot: Bot,
    feedback: FeedbackLog | None = None,
) -> None:
    """A button whose option was too long for callback_data: looked up in the chat's data."""
    refs = (await state.get_data()).get(REFS_KEY) or {}
    await _press(
        query,
        unpack_ref(callback_data, refs),
        callback_data.step,
        state,
        engine,
        chat_of_query(query, bot),
        feedback,
    )


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(on_option, OptionCallback.filter())
    router.callback_query.register(on_option_ref, RefCallback.filter())
    return router
