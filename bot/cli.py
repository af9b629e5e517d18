"""`python -m bot`: run | chat | ask | recommend | kb | eval | bench.

Heavy imports (torch, aiogram) happen inside the subcommands that need them, so `--help` and
`kb check` answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from bot.config import Settings

# Exit status for a configuration or data problem the user must fix.
EXIT_USAGE = 2


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 2, no traceback."""


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


def _add_recommend(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "recommend",
        help="one-shot framework pick from a description",
        description="Pick a framework from a free-text description of the team and project. "
        "With '-' read one description per line from standard input.",
    )
    p.add_argument("text", nargs="*", help="the description, or '-' for standard input")
    p.add_argument("--json", action="store_true", help="one line of JSON per description")
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
    sub.add_parser(
        "chat",
        help="talk to the advisor in the console (no token needed)",
        description="The console conversation; reads piped standard input one turn per line.",
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
        "hybrid retrieval on the dev and test splits, and the persona pick accuracy.",
    )
    bench = sub.add_parser(
        "bench",
        help="measure speed against floors measured in the same run",
        description="Benchmarks: encode, ask, button, end-to-end, cold start, memory.",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--chats", type=int, default=200, help="concurrent chats (default 200)")
    return parser


def _not_yet(what: str) -> Callable[[argparse.Namespace, Settings], int]:
    def command(args: argparse.Namespace, settings: Settings) -> int:
        print(f"`{args.command}` is not built yet: it will {what}.")
        return 0

    return command


def _cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    problem = settings.token_problem()
    if problem:
        raise UserError(
            f"{problem}. Get a token from @BotFather in Telegram (/newbot), then run "
            "`BOT_TOKEN=... make run`; `make chat` works without one."
        )
    return _not_yet("start the Telegram bot")(args, settings)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "run": _cmd_run,
    "chat": _not_yet("hold the advisor conversation in this console"),
    "ask": _not_yet("answer questions from the article with citations"),
    "recommend": _not_yet("pick a framework from a description"),
    "kb": _not_yet("validate and index the knowledge base"),
    "eval": _not_yet("report retrieval and recommendation quality"),
    "bench": _not_yet("measure speed against floors"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv`, build the settings once, run the subcommand; return the exit status."""
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        settings = Settings()
        from bot.logs import configure_logging

        configure_logging(settings.log_level, settings.secrets())
        return COMMANDS[args.command](args, settings)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
