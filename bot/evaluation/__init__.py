"""`python -m bot eval`: retrieval quality, then the advisor's report when it is installed."""

from __future__ import annotations

import argparse
import importlib
import importlib.util

from bot.config import REPO_ROOT, Settings

QUESTIONS = REPO_ROOT / "tests" / "data" / "questions.yaml"


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print the retrieval report (and the advisor's, if present); exit status 0."""
    from bot.evaluation.retrieval import report
    from bot.knowledge import load_knowledge
    from bot.retrieval import build_retriever, load_embedder

    kb = load_knowledge(settings.knowledge_dir)
    retriever = build_retriever(kb, load_embedder(), settings.data_dir / "index")
    print(report(retriever, QUESTIONS), flush=True)
    if importlib.util.find_spec("bot.evaluation.advisor") is not None:
        advisor = importlib.import_module("bot.evaluation.advisor")
        print()
        print(advisor.report(settings), flush=True)
    return 0
