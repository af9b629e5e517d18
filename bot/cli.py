"""`python -m bot`: run | chat | ask | recommend | kb | eval | report.

Heavy imports (torch, aiogram) happen inside the subcommands that need them, so `--help` and
`kb check` answer at once.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot.config import Settings
from bot.datafile import DataError
from bot.errors import UserError

# Exit status for a configuration or data problem the user must fix.
EXIT_USAGE = 2


def _add_ask(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ask",
        help="answer a question from the article",
        description="Answer QUESTION from the knowledge base, citing passages. "
        "With '-' read one question per line from standard input (model loaded once).",
    )
    p.add_argument("question", nargs="+", help="the question, or '-' for standard input")
    p.add_argument("--json", action="store_true", help="one line of JSON per answer")
    p.add_argument("-k", type=int, default=3, help="passages to return (default 3)")


RECOMMEND_FORMATS = ("text", "json", "markdown")


def _add_recommend(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "recommend",
        help="one-shot framework pick from a description",
        description="Pick a framework from a free-text description of the team and project. "
        "With '-' read one description per line from standard input.",
    )
    p.add_argument("text", nargs="*", help="the description, or '-' for standard input")
    p.add_argument(
        "--format",
        choices=RECOMMEND_FORMATS,
        default=None,
        help="text (default); json: one line of JSON per description; markdown: a decision "
        "record (ADR-style) per description",
    )
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="SLOT=VALUE",
        help="fix a slot value (repeatable), e.g. --set team_language=python",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Backend Framework Advisor: pick a backend framework, grounded in an article.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "run",
        help="start the Telegram bot (long polling, or webhook when WEBHOOK_URL is set)",
        description="Start the Telegram bot. Needs BOT_TOKEN; see README.md.",
    )
    chat = sub.add_parser(
        "chat",
        help="talk to the advisor in the console (no token needed)",
        description="The console conversation; reads piped standard input one turn per line.",
    )
    chat.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per user line: say, resolved, answer_line, answer, passages, pick",
    )
    _add_ask(sub)
    _add_recommend(sub)
    kb = sub.add_parser("kb", help="check or build the knowledge base", description="Knowledge.")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="ACTION")
    kb_sub.add_parser("check", help="validate knowledge/ and intents/, print a summary")
    kb_sub.add_parser("build", help="build the passage index cache ahead of time")
    sub.add_parser(
        "eval",
        help="retrieval and recommendation quality on the labelled sets",
        description="Print hit@1, hit@3, MRR@10 and out-of-scope accuracy for bm25, dense and "
        "hybrid retrieval on the dev and test splits, the persona pick accuracy, and how "
        "closely the ONNX encoder follows sentence-transformers on torch.",
    )
    _add_report(sub)
    return parser


def _add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="the owner's feedback report: declined questions, disliked answers, topics",
        description="Read the feedback log in STORAGE_URL (a running bot's SQLite or Redis) "
        "and print the most frequent declined questions, the disliked answers with what they "
        "showed, and the most asked topics.",
    )
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument(
        "--since", type=int, metavar="DAYS", help="only the last DAYS days (today counts as one)"
    )
    p.add_argument("--top", type=int, default=10, metavar="N", help="N per list (default 10)")


# Each subcommand lives beside the code it drives and is imported only when chosen, so
# `--help` stays instant. A handler receives (args, settings) and returns the exit status.
COMMANDS: dict[str, str] = {
    "run": "bot.telegram.app:cmd_run",
    "chat": "bot.console:cmd_chat",
    "ask": "bot.commands.ask:cmd_ask",
    "recommend": "bot.commands.recommend:cmd_recommend",
    "kb": "bot.commands.kb:cmd_kb",
    "eval": "bot.commands.evaluate:cmd_eval",
    "report": "bot.commands.report:cmd_report",
}


def _handler(command: str) -> Callable[[argparse.Namespace, Settings], int]:
    module_name, _, function = COMMANDS[command].partition(":")
    return getattr(importlib.import_module(module_name), function)  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, build the settings once, run the subcommand; return the exit status."""
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        try:
            settings = Settings()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]).upper()
            raise UserError(f"invalid setting {where}: {first['msg']}") from None
        from bot.logs import configure_logging

        configure_logging(settings.log_level, settings.secrets())
        return _handler(args.command)(args, settings)
    except (UserError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `python -m bot ask - | head`: the reader left, which is not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
