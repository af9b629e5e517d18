"""Free text anywhere: a question is answered, a request starts or feeds the dialogue."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.feedback import FeedbackLog
from bot.replies import Turn
from bot.telegram.conversation import Engine, converse
from bot.telegram.handlers.common import AddressedToBot, chat_of

# Telegram caps a message at 4096 characters; this only guards a forged or odd update.
MAX_TEXT = 4096


async def on_text(
    message: Message,
    text: str,
    state: FSMContext,
    engine: Engine,
    bot: Bot,
    feedback: FeedbackLog | None = None,
) -> None:
    """Any text that is not a command."""
    turn = Turn(text=text[:MAX_TEXT])
    await converse(state, engine, turn, chat_of(message, bot), feedback)


async def has_text(message: Message) -> bool:
    """A text message (a caption is not: a photo with one goes to the non-text handler)."""
    # Not F.text: aiogram runs a filter that is not a coroutine function in a worker thread,
    # one hop per message (200 of the e2e bench's 400 updates).
    return message.text is not None


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(AddressedToBot())
    router.message.register(on_text, has_text)
    return router
