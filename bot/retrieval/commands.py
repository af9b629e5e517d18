"""`python -m bot ask` and `python -m bot kb check|build`.

Heavy imports (torch via the embedder) stay inside the handlers that need them: `kb check`
must answer without loading a model.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bot.cli import UserError
from bot.config import Settings

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
    from bot.knowledge import load_knowledge
    from bot.retrieval import build_retriever, load_embedder

    kb = load_knowledge(settings.knowledge_dir)
    return build_retriever(kb, load_embedder(), settings.data_dir / "index")


def answer_json(result: RetrievalResult, kb: KnowledgeBase) -> dict[str, Any]:
    """The `ask --json` object for one result (no passages when out of scope)."""
    from bot.render.text import render_text
    from bot.retrieval.answer import compose_answer

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
    from bot.render.text import render_text
    from bot.retrieval.answer import compose_answer

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


def _check_intents(settings: Settings) -> str | None:
    # intents/ belongs to the NLU package; validate it too when that package is installed.
    if importlib.util.find_spec("bot.nlu.spec") is None or not settings.intents_dir.is_dir():
        return None
    from bot.nlu.spec import load_intents

    spec = load_intents(settings.intents_dir)
    return f"intents: {len(spec.intents)} intents, {len(spec.slots)} slots"


def cmd_kb(args: argparse.Namespace, settings: Settings) -> int:
    """`kb check` validates and summarises knowledge/; `kb build` also writes the index cache."""
    from bot.knowledge import load_knowledge

    kb = load_knowledge(settings.knowledge_dir)
    if args.kb_command == "check":
        kinds = Counter(p.kind for p in kb.passages)
        breakdown = ", ".join(f"{n} {kind}s" for kind, n in sorted(kinds.items()))
        sources = ", ".join(f"{s.file} ({s.title})" for s in kb.sources)
        print(f"sources: {len(kb.sources)}: {sources}")
        print(f"passages: {len(kb.passages)} ({breakdown})")
        print(f"frameworks: {len(kb.frameworks)}")
        print(f"rules: {len(kb.rules)}")
        intents = _check_intents(settings)
        if intents:
            print(intents)
        print(f"content hash: {kb.content_hash}")
        print("ok")
        return 0
    from bot.retrieval import load_embedder
    from bot.retrieval.cache import cache_path, passage_vectors

    embedder = load_embedder()
    _, cached = passage_vectors(kb, embedder, settings.data_dir / "index")
    path = cache_path(settings.data_dir / "index", embedder.name, kb.content_hash)
    state = "already up to date" if cached else "built"
    print(f"index: {path} ({state}, {len(kb.passages)} passages)")
    return 0
