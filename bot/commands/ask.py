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
    from bot.knowledge import KnowledgeBase
    from bot.retrieval.retriever import RetrievalResult, Retriever


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


def _retriever(settings: Settings) -> Retriever:
    from bot.embedding.minilm import load_embedder
    from bot.knowledge import load_knowledge
    from bot.retrieval import build_retriever

    kb = load_knowledge(settings.knowledge_dir)
    return build_retriever(kb, load_embedder(), settings.data_dir / "index")


def answer_json(result: RetrievalResult, kb: KnowledgeBase) -> dict[str, Any]:
    """The `ask --json` object for one result (no passages when out of scope)."""
    from bot.dialogue.answer import compose_answer
    from bot.render.text import render_text

    return {
        "question": result.query,
        "in_scope": result.in_scope,
        "answer": render_text(compose_answer(result, kb)),
        "passages": [
            {
                "id": hit.passage.id,
                "section": hit.passage.section_label,
                "text": hit.passage.text,
                "score": round(hit.score, 4),
            }
            for hit in (result.hits if result.in_scope else [])
        ],
    }


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer each question (one, or one per stdin line with '-'); exit status 0."""
    from bot.dialogue.answer import compose_answer
    from bot.render.text import render_text

    if args.k < 1:
        raise UserError(f"ask: -k must be at least 1, got {args.k}")
    retriever = _retriever(settings)
    first = True
    for question in _questions(args):
        result = retriever.search(question, k=args.k)
        if args.json:
            print(json.dumps(answer_json(result, retriever.kb), ensure_ascii=False), flush=True)
        else:
            if not first:
                print()
            print(render_text(compose_answer(result, retriever.kb)), flush=True)
        first = False
    return 0
