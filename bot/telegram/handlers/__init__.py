"""The bot's routers, one per feature."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.handlers import (
    commands,
    errors,
    fallback,
    feedback,
    form,
    free_text,
    inline,
    non_text,
)


def get_routers() -> list[Router]:
    """Fresh routers in match order: errors, commands, buttons, votes, free text, other, stale.

    Inline queries reach only the inline router, wherever it stands.
    """
    return [
        errors.create_router(),
        commands.create_router(),
        form.create_router(),
        feedback.create_router(),
        free_text.create_router(),
        non_text.create_router(),
        fallback.create_router(),
        inline.create_router(),
    ]
