"""The echo bot: aiogram's own ceiling on the bench harness (`python -m benchmarks.echo_bot`).

It polls exactly as `python -m bot run` does and answers every message with its text and
every button press with a message, with none of the advisor's work.
"""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher, Router
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.telegram.app import create_bot, run_polling

router = Router(name=__name__)


@router.message()
async def on_message(message: Message) -> None:
    await message.answer(message.text or "?")


@router.callback_query()
async def on_callback(query: CallbackQuery) -> None:
    await query.answer()
    if query.message is not None:
        await query.message.answer(query.data or "?")


async def main() -> None:
    """Poll TELEGRAM_API_URL with BOT_TOKEN until SIGTERM."""
    settings = Settings()
    dp = Dispatcher()
    dp.include_router(router)
    await run_polling(create_bot(settings), dp)


if __name__ == "__main__":
    asyncio.run(main())
