"""Stickers, photos, voice and the like: a short hint, then the pending question again."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.telegram.conversation import NON_TEXT_HINT, repeat_question
from bot.telegram.handlers.common import AddressedToBot, chat_of


async def on_non_text(message: Message, state: FSMContext, bot: Bot) -> None:
    """Any message without text that reached us."""
    if message.new_chat_members or message.left_chat_member or message.pinned_message:
        return  # service messages in groups are not meant for us
    await repeat_question(state, chat_of(message, bot), NON_TEXT_HINT)


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(AddressedToBot())
    router.message.register(on_non_text)
    return router
