"""Inline mode: `@bot question` in any chat, the bot's card, and shared picks.

Turned on with @BotFather's /setinline. The engine composes the results; this module maps
them to article results and answers the query.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Any, Protocol

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)

from bot.render.html import render_html
from bot.replies import Article, InlineAnswer
from bot.telegram.keyboards import link_keyboard

log = logging.getLogger(__name__)

# Telegram keeps an answer this long and shows it to anyone typing the same query. Results
# depend on the query alone (a shared pick's answers are in its query), so one cache serves
# everyone; a minute keeps a redeployed knowledge base from hiding behind old results.
CACHE_SECONDS = 60
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class InlineEngine(Protocol):
    """What inline mode needs from bot.dialogue's engine."""

    def inline(self, query: str) -> InlineAnswer:
        """The results for an inline query."""
        ...

    def prefetch_inline(self, query: str) -> Future[Any] | None:
        """Start the query's model work in another thread; None when there is none to start."""
        ...


async def inline_results(engine: InlineEngine, query: str) -> InlineAnswer:
    """engine.inline without holding the event loop while the model encodes the query."""
    pending = engine.prefetch_inline(query)
    if pending is None:
        # No model work queued ahead (an empty query, a share, an embedder that cannot work
        # ahead): the whole call goes to a thread, which is cheap next to a forward pass.
        return await asyncio.to_thread(engine.inline, query)
    try:
        await asyncio.wrap_future(pending)
    except Exception:  # the model failed: inline() tries again in a thread and reports it
        return await asyncio.to_thread(engine.inline, query)
    # The vector is cached now: the rest is about a millisecond of numpy, fine on the loop.
    return engine.inline(query)


def article_result(article: Article, username: str | None) -> InlineQueryResultArticle:
    """One article result: the reply as the HTML message it posts, menu options as links."""
    # Passages and pick summaries are a few hundred characters; a split reply would post
    # only its first message (4096 characters).
    text = render_html(article.reply)[0]
    return InlineQueryResultArticle(
        id=article.id,
        title=article.title,
        description=article.description,
        input_message_content=InputTextMessageContent(
            message_text=text, parse_mode="HTML", link_preview_options=_NO_PREVIEW
        ),
        reply_markup=link_keyboard(article.reply.options, username),
    )


async def on_inline_query(query: InlineQuery, engine: InlineEngine, bot: Bot) -> None:
    """Answer `@bot <query>`: up to five passages, a shared pick, or the bot's card."""
    found = await inline_results(engine, query.query)
    me = await bot.me()
    button = None
    if found.button is not None and found.button.value:
        button = InlineQueryResultsButton(
            text=found.button.label, start_parameter=found.button.value
        )
    try:
        await query.answer(
            [article_result(a, me.username) for a in found.articles],
            cache_time=CACHE_SECONDS,
            is_personal=False,
            button=button,
        )
    except TelegramBadRequest as exc:
        # The user typed on: Telegram no longer takes answers to this query.
        log.info("inline query not answered: %s", exc.message)


def create_router() -> Router:
    """A fresh router for this feature (a router belongs to one dispatcher)."""
    router = Router(name=__name__)
    router.inline_query.register(on_inline_query)
    return router
