"""App factory and `python -m bot run`."""

from __future__ import annotations

import argparse

from bot.cli import UserError
from bot.config import Settings


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot: long polling, or a webhook server when WEBHOOK_URL is set."""
    problem = settings.token_problem()
    if problem:
        raise UserError(
            f"{problem}. Get a token from @BotFather in Telegram (/newbot), then run "
            "`BOT_TOKEN=... make run`; `make chat` works without one."
        )
    print("The Telegram adapter is not built yet.")
    return 0
