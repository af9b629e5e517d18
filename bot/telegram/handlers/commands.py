"""Slash commands: each becomes Turn(command=..., text=<rest of the line>)."""

from __future__ import annotations

import logging
import re

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, Message

from bot.dialogue.chat_commands import CHAT_COMMANDS
from bot.feedback import FeedbackLog
from bot.replies import DialogueState, Turn
from bot.telegram.conversation import QUESTION_KEY, Engine, converse, deliver
from bot.telegram.handlers.common import chat_of
from bot.telegram.storage import forget_user

log = logging.getLogger(__name__)


def bot_commands() -> list[BotCommand]:
    """The command menu for set_my_commands."""
    return [BotCommand(command=c.name, description=c.summary) for c in CHAT_COMMANDS if c.in_menu]


async def cmd_any(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    engine: Engine,
    bot: Bot,
    feedback: FeedbackLog | None = None,
) -> None:
    """/start, /help, /recommend, /ask, /compare, /sources, /cancel and any other command."""
    turn = Turn(command=command.command.lower(), text=(command.args or "").strip())
    await converse(state, engine, turn, chat_of(message, bot), feedback)


async def cmd_forget(
    message: Message, state: FSMContext, engine: Engine, bot: Bot, fsm_storage: BaseStorage
) -> None:
    """/forget: delete the user's stored state in every chat, then say so (saving nothing)."""
    chat = chat_of(message, bot)
    question = (await state.get_data()).get(QUESTION_KEY) or {}
    user_id = message.from_user.id if message.from_user is not None else message.chat.id
    removed = await forget_user(fsm_storage, bot.id, user_id)
    log.info("forgot user %d: %d record(s) deleted", user_id, removed)
    if question.get("id") and question.get("markup"):
        # Its buttons would only say "expired" now.
        await chat.retire_keyboard(question["id"])
    _, replies = engine.handle(DialogueState(), Turn(command="forget"))
    # The returned data (the menu's refs) is not saved: nothing is stored after a /forget.
    await deliver(chat, replies, 0, {})


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.message.register(cmd_forget, Command("forget", ignore_case=True))
    # Any well-formed command reaches the engine; it knows what it supports.
    router.message.register(cmd_any, Command(re.compile(r"[a-z0-9_]{1,32}", re.IGNORECASE)))
    return router
