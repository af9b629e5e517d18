"""`python -m bot eval`: retrieval and advisor quality on the labelled sets in DATASETS_DIR."""

from __future__ import annotations

import argparse

from bot.config import Settings
from bot.errors import UserError


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print the retrieval report, then the advisor's; exit status 0."""
    from bot.dialogue.answer import Answerer
    from bot.embedding.minilm import load_embedder, vocabulary
    from bot.evaluation import advisor, answers, retrieval
    from bot.knowledge import load_knowledge
    from bot.nlu.spelling import Speller
    from bot.retrieval import build_retriever

    files = sorted(settings.datasets_dir.glob("questions.*.yaml"))
    if not files:
        raise UserError(f"no labelled questions (questions.*.yaml) in {settings.datasets_dir}")
    kb = load_knowledge(settings.knowledge_dir)
    embedder = load_embedder()
    retriever = build_retriever(kb, embedder, settings.data_dir / "index")
    questions = [q for path in files for q in retrieval.load_questions(path, kb)]
    outcomes = answers.judge(Answerer(kb, retriever, Speller(kb, vocabulary())), questions)
    print(answers.report(outcomes), flush=True)
    for line in answers.misses(outcomes):
        print(f"  dev miss: {line}")
    print()
    print(retrieval.retrieval_report(retriever, questions), flush=True)
    print()
    print(advisor.report(settings, embedder), flush=True)
    print()
    from bot.evaluation import routing
    from bot.wiring import build_engine

    print(routing.report(build_engine(settings), settings.datasets_dir), flush=True)
    return 0
