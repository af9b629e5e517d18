"""The last router: buttons nobody recognised (stale or forged) are answered, never ignored."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.telegram.conversation import EXPIRED, repeat_question
from bot.telegram.handlers.common import chat_of_query
from bot.telegram.handlers.form import answer_query


async def on_unknown_button(query: CallbackQuery, state: FSMContext, bot: Bot) -> None:
    """Say the button expired and show the current question."""
    await answer_query(query, EXPIRED)
    chat = chat_of_query(query, bot)
    if chat is not None:
        await repeat_question(state, chat, EXPIRED)


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(on_unknown_button)
    return router
