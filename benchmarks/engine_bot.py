"""The engine bot: the echo bot plus the engine's turn (`python -m benchmarks.engine_bot`).

The leanest Telegram layer this engine can have: the engine loaded as `run` loads it
(`load_for_serving`), each turn prefetched and handled as `run` does, its first reply
rendered to HTML and sent; no storage, middlewares, keyboards, typing or edits. Against it
the end-to-end run reads what the Telegram adapter costs; against the echo bot, what the
engine and the model leave for it.
"""

from __future__ import annotations

import asyncio

from aiogram import Dispatcher, Router
from aiogram.types import CallbackQuery, Message

from bot.config import Settings
from bot.render.html import render_html
from bot.replies import DialogueState, Reply, Turn
from bot.telegram.app import create_bot, load_for_serving, run_polling
from bot.telegram.conversation import Engine

router = Router(name=__name__)
# chat id -> the state and pending question after its last turn (the bench's chats are new).
chats: dict[int, tuple[DialogueState, Reply | None]] = {}


async def _turn(engine: Engine, chat: int, state: DialogueState, turn: Turn) -> str:
    """Run `turn` as `run` does (model work in the model's thread); the first reply's HTML."""
    pending = engine.prefetch(turn, state)
    if pending is not None:
        await asyncio.wrap_future(pending)
    state, replies = engine.handle(state, turn)
    chats[chat] = (state, next((r for r in replies if r.kind == "question"), None))
    return render_html(replies[0])[0]


@router.message()
async def on_message(message: Message, engine: Engine) -> None:
    text = message.text or ""
    turn = Turn(command="recommend") if text == "/recommend" else Turn(text=text)
    await message.answer(await _turn(engine, message.chat.id, DialogueState(), turn))


@router.callback_query()
async def on_callback(query: CallbackQuery, engine: Engine) -> None:
    await query.answer()
    if query.message is None:
        return
    state, question = chats.get(query.message.chat.id, (DialogueState(), None))
    if question is None:
        return
    turn = Turn(option=question.options[0][0], step=state.step)
    await query.message.answer(await _turn(engine, query.message.chat.id, state, turn))


async def main() -> None:
    """Poll TELEGRAM_API_URL with BOT_TOKEN until SIGTERM."""
    settings = Settings()
    engine = load_for_serving(settings)
    dp = Dispatcher(engine=engine)
    dp.include_router(router)
    await run_polling(create_bot(settings), dp)


if __name__ == "__main__":
    asyncio.run(main())
