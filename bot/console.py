"""The console adapter: `python -m bot chat`, one user turn a line (works with piped input)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import TextIO

from bot.config import Settings
from bot.dialogue import Engine
from bot.render.markdown import render_markdown
from bot.render.text import render_text
from bot.replies import DialogueState, Option, Reply, Turn

log = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on my side. Your answers so far are kept: try again, "
    "or type /cancel to start over."
)


def parse_line(line: str, options: list[Option], step: int) -> Turn:
    """A typed line as a Turn: '/cmd rest', an option's number or label, or free text."""
    text = line.strip()
    if text.startswith("/") and len(text) > 1:
        return Turn.typed(text)
    if text.isdigit() and 1 <= int(text) <= len(options):
        return Turn(option=options[int(text) - 1], step=step)
    for option in options:
        if option.label.lower() == text.lower():
            return Turn(option=option, step=step)
    return Turn(text=text)


def turn_json(engine: Engine, line: str, state: DialogueState, replies: list[Reply]) -> str:
    """`chat --json`'s object for one user line: what the bot said, the standalone question
    the line was read as, the answer's line, text and passages, and the pick it showed."""
    from bot.commands.ask import passages_json

    answer = next((r for r in replies if r.answered is not None), None)
    answered = answer.answered if answer is not None else None
    shows_pick = any(r.kind == "recommendation" for r in replies) and state.last_pick
    pick = engine.kb.frameworks[state.last_pick] if shows_pick and state.last_pick else None
    return json.dumps(
        {
            "user": line,
            "say": "\n\n".join(_plain(r) for r in replies),
            "resolved": answered.resolved if answered else None,
            "answer_line": answered.answer_line if answered else None,
            "answer": render_text(answer) if answer is not None else None,
            "passages": passages_json(answered) if answered else [],
            "pick": {"id": pick.id, "name": pick.name} if pick else None,
        },
        ensure_ascii=False,
    )


def _plain(reply: Reply) -> str:
    return render_markdown(reply) if reply.kind == "document" else render_text(reply)


def converse(
    engine: Engine, lines: TextIO, out: TextIO, prompt: bool, as_json: bool = False
) -> DialogueState:
    """Run the conversation over `lines`, writing replies to `out` (one JSON object per user
    line with `as_json`); return the final state."""
    state = DialogueState()
    state, replies = engine.handle(state, Turn(command="start"))
    options = _options(replies) if as_json else _show(replies, out)
    while True:
        if prompt and not as_json:
            out.write("> ")
            out.flush()
        line = lines.readline()
        if not line:
            break
        if not line.strip():
            continue
        if not prompt and not as_json:
            out.write(f"> {line.strip()}\n")
        if line.strip().isdigit() and not 1 <= int(line) <= len(options) and not as_json:
            out.write(
                f"There is no option {line.strip()}: type 1 to {len(options)}, "
                "or say it in words.\n\n"
                if options
                else "There are no options now.\n\n"
            )
            continue
        turn = parse_line(line, options, state.step)
        try:
            state, replies = engine.handle(state, turn)
        except Exception:  # the engine's one error path: logged, apologised for, state kept
            log.exception("the engine failed on a console turn")
            out.write(
                f"{json.dumps({'user': line.strip(), 'error': SORRY})}\n"
                if as_json
                else f"{SORRY}\n\n"
            )
            out.flush()
            continue
        if as_json:
            out.write(turn_json(engine, line.strip(), state, replies) + "\n")
            out.flush()
            options = _options(replies) or options
        else:
            options = _show(replies, out) or options
    return state


def _options(replies: list[Reply]) -> list[Option]:
    return [o for reply in replies for row in reply.options for o in row]


def _show(replies: list[Reply], out: TextIO) -> list[Option]:
    """Print the replies, numbering their options on from one reply to the next."""
    options: list[Option] = []
    for reply in replies:
        if reply.kind == "document":  # the decision record: printed as the file would read
            out.write(render_markdown(reply) + "\n")
            continue
        out.write(render_text(reply, first_number=len(options) + 1) + "\n\n")
        options += [o for row in reply.options for o in row]
    out.flush()
    return options


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """`python -m bot chat`: the console conversation; exit status 0 at end of input."""
    from bot.wiring import build_engine

    engine = build_engine(settings)
    converse(engine, sys.stdin, sys.stdout, prompt=sys.stdin.isatty(), as_json=args.json)
    return 0
