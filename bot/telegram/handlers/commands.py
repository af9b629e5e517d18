"""Slash commands: each becomes Turn(command=..., text=<rest of the line>)."""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import BotCommand, Message

from bot.dialogue.chat_commands import CHAT_COMMANDS
from bot.replies import Turn
from bot.telegram.conversation import Engine, converse
from bot.telegram.handlers.common import chat_of


def bot_commands() -> list[BotCommand]:
    """The command menu for set_my_commands."""
    return [BotCommand(command=c.name, description=c.summary) for c in CHAT_COMMANDS if c.in_menu]


async def cmd_any(
    message: Message, command: CommandObject, state: FSMContext, engine: Engine, bot: Bot
) -> None:
    """/start, /help, /recommend, /ask, /compare, /sources, /cancel and any other command."""
    turn = Turn(command=command.command.lower(), text=(command.args or "").strip())
    await converse(state, engine, turn, chat_of(message, bot))


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    # Any well-formed command reaches the engine; it knows what it supports.
    router.message.register(cmd_any, Command(re.compile(r"[a-z0-9_]{1,32}", re.IGNORECASE)))
    return router
