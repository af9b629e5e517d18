"""`python -m bot ask`: answer questions from the article, as text or one JSON line each."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.dialogue.answer import Answer, Answerer
    from bot.replies import Answered


def _questions(args: argparse.Namespace) -> Iterator[str]:
    if args.question == ["-"]:
        for line in sys.stdin:
            if line.strip():
                yield line.strip()
        return
    question = " ".join(args.question).strip()
    if not question:
        raise UserError("ask: the question is empty")
    yield question


def _answerer(settings: Settings) -> Answerer:
    from bot.dialogue.answer import Answerer
    from bot.embedding.files import common_words, vocabulary
    from bot.embedding.loader import load_embedder
    from bot.knowledge import load_knowledge
    from bot.nlu.spelling import Speller
    from bot.retrieval import build_retriever

    kb = load_knowledge(settings.knowledge_dir)
    retriever = build_retriever(kb, load_embedder(settings.embedder), settings.data_dir / "index")
    return Answerer(kb, retriever, Speller(kb, vocabulary(), common=common_words()))


def answer_json(answer: Answer) -> dict[str, Any]:
    """The `ask --json` object for one answer (no passages when declined)."""
    from bot.render.text import render_text

    answered = answer.answered()
    return {
        "question": answer.question,
        "in_scope": answer.in_scope,
        "answer_line": answer.answer_line,
        "answer": render_text(answer.reply),
        "passages": passages_json(answered),
    }


def passages_json(answered: Answered) -> list[dict[str, Any]]:
    """What an answer showed, best first, as `ask --json` and `chat --json` list it."""
    if answered.kind == "decline":
        return []
    return [
        {"id": p.id, "section": p.section, "text": p.text, "score": p.score}
        for p in answered.passages
    ]


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer each question (one, or one per stdin line with '-'); exit status 0."""
    from bot.render.text import render_text

    if args.k < 1:
        raise UserError(f"ask: -k must be at least 1, got {args.k}")
    answerer = _answerer(settings)
    first = True
    for question in _questions(args):
        answer = answerer.answer(question, k=args.k)
        if args.json:
            print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
        else:
            if not first:
                print()
            print(render_text(answer.reply), flush=True)
        first = False
    return 0
