"""👍 / 👎 under answers and picks: a short thanks, the buttons go, the vote is logged.

The vote names the answer by a key into the chat's own data (conversation.VOTES_KEY); what
the feedback log keeps is the question, the passages shown and the vote, never who voted.
"""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.feedback import FeedbackLog
from bot.telegram.conversation import EXPIRED, VOTES_KEY, shown_for
from bot.telegram.handlers.form import answer_query
from bot.telegram.keyboards import VOTE_DOWN, VOTE_UP, FeedbackCallback, without_votes

log = logging.getLogger(__name__)

THANKS = "Thanks for the feedback!"


async def on_vote(
    query: CallbackQuery,
    callback_data: FeedbackCallback,
    state: FSMContext,
    bot: Bot,
    feedback: FeedbackLog | None = None,
) -> None:
    """Log the vote (once per answer), thank the user, remove the vote buttons."""
    data = await state.get_data()
    shown = shown_for(data, callback_data.key)
    known = shown is not None and callback_data.vote in (VOTE_UP, VOTE_DOWN)
    if known and shown is not None:
        if feedback is not None:
            await feedback.vote(shown, up=callback_data.vote == VOTE_UP)
        # Forgotten once voted: a second press (a double tap) counts nothing.
        votes = {k: v for k, v in (data.get(VOTES_KEY) or {}).items() if k != callback_data.key}
        await state.set_data({**data, VOTES_KEY: votes})
    await answer_query(query, THANKS if known else EXPIRED)
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        # Cosmetic: the vote stands even if Telegram refuses the edit (a message too old).
        with contextlib.suppress(TelegramAPIError):
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=without_votes(message.reply_markup),
            )


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(on_vote, FeedbackCallback.filter())
    return router
