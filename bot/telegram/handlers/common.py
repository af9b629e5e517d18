"""What the handlers share: the group-chat filter and where a reply goes."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.enums import ChatType, MessageEntityType
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from bot.telegram.conversation import Chat


class AddressedToBot(BaseFilter):
    """Private chats always; in groups only messages that mention or reply to the bot.

    Passes `text`: the message text (or caption) with the bot's @mention removed.
    """

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        text = message.text or message.caption or ""
        if message.chat.type == ChatType.PRIVATE:
            return {"text": text.strip()}
        replied = message.reply_to_message
        author = replied.from_user if replied is not None else None
        if author is not None and author.id == bot.id:
            return {"text": text.strip()}
        me = await bot.me()
        mention = f"@{me.username}".lower() if me.username else None
        entities = message.entities or message.caption_entities or []
        for entity in entities:
            if entity.type != MessageEntityType.MENTION or mention is None:
                continue
            if entity.extract_from(text).lower() == mention:
                cleaned = (text[: entity.offset] + text[entity.offset + entity.length :]).strip()
                return {"text": " ".join(cleaned.split(" "))}
        return False


def chat_of(message: Message, bot: Bot) -> Chat:
    """Where replies to `message` go (its chat and forum topic)."""
    thread = message.message_thread_id if message.is_topic_message else None
    return Chat(bot, message.chat.id, thread)


def chat_of_query(query: CallbackQuery, bot: Bot) -> Chat | None:
    """Where replies to a button press go; None when Telegram gives no chat (inline mode)."""
    message = query.message
    if message is None:
        return None
    pressed = message if isinstance(message, Message) else None
    topic = pressed is not None and pressed.is_topic_message
    thread = message.message_thread_id if topic else None
    return Chat(bot, message.chat.id, thread, pressed)
