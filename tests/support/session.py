"""A Bot API session that records each call and answers it in memory (no server, no network)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message


class RecordingSession(BaseSession):
    """Records every Bot API method; sends and edits return a Message, the rest True."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self._ids = itertools.count(1)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        """Record `method` and answer as Telegram would, minimally."""
        self.calls.append(method)
        if isinstance(method, SendMessage | EditMessageText):
            chat_id = method.chat_id if method.chat_id is not None else 0
            return Message.model_validate(  # type: ignore[return-value]
                {
                    "message_id": method.message_id
                    if isinstance(method, EditMessageText) and method.message_id
                    else next(self._ids),
                    "date": 0,
                    "chat": {"id": chat_id, "type": "private"},
                    "text": method.text,
                },
                context={"bot": bot},
            )
        return True  # type: ignore[return-value]

    def texts(self) -> list[str]:
        """The text of every message sent, in order."""
        return [m.text for m in self.calls if isinstance(m, SendMessage)]

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """Nothing to download here."""
        yield b""

    async def close(self) -> None:
        """Nothing to close."""
