"""What the handlers share: the group-chat filter and where a reply goes."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.enums import ChatType, MessageEntityType
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message, MessageEntity

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
                return {"text": without_entity(text, entity)}
        return False


def without_entity(text: str, entity: MessageEntity) -> str:
    """`text` with `entity` cut out, the words either side joined by one space.

    Telegram counts entity offsets and lengths in UTF-16 code units: an emoji or any other
    character outside the Basic Multilingual Plane is two of them, one Python character.
    """
    units = text.encode("utf-16-le")
    start, end = 2 * entity.offset, 2 * (entity.offset + entity.length)
    before = units[:start].decode("utf-16-le", errors="replace")
    after = units[end:].decode("utf-16-le", errors="replace")
    return f"{before.rstrip()} {after.lstrip()}".strip()


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
    thread = pressed.message_thread_id if pressed is not None and topic else None
    return Chat(bot, message.chat.id, thread, pressed)
