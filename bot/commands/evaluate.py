"""`python -m bot eval`: retrieval and advisor quality on the labelled sets in DATASETS_DIR."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.dialogue import Engine


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print the answers, retrieval, advisor, routing and encoders reports; exit status 0."""
    from bot.evaluation import advisor, answers, encoders, retrieval, routing
    from bot.retrieval import Retriever
    from bot.wiring import build_engine

    files = sorted(settings.datasets_dir.glob("questions.*.yaml"))
    if not files:
        raise UserError(f"no labelled questions (questions.*.yaml) in {settings.datasets_dir}")
    # One engine: its answerer and retriever are the ones users meet, and routing needs it whole.
    engine = build_engine(settings)
    questions = [q for path in files for q in retrieval.load_questions(path, engine.kb)]
    outcomes = answers.judge(engine.answerer, questions)
    print(answers.report(outcomes), flush=True)
    for line in answers.misses(outcomes):
        print(f"  dev miss: {line}")
    print()
    retriever = engine.retriever
    assert isinstance(retriever, Retriever)  # build_engine's; the engine only needs a protocol
    print(retrieval.retrieval_report(retriever, questions), flush=True)
    print()
    print(advisor.report(settings, engine.embedder), flush=True)
    print()
    print(routing.report(engine, settings.datasets_dir), flush=True)
    print()
    print(dialogue_report(engine, settings), flush=True)
    print()
    print(encoders.report(settings), flush=True)
    return 0


def dialogue_report(engine: Engine, settings: Settings) -> str:
    """The follow-up dialogues' report, with the dev misses under it."""
    from bot.evaluation import dialogues

    known = set(engine.kb.by_id)
    ids = set(engine.kb.frameworks)
    loaded = [
        d
        for path in sorted(settings.datasets_dir.glob("dialogues.*.yaml"))
        for d in dialogues.load_dialogues(path, known, ids)
    ]
    outcomes = dialogues.judge(engine, loaded)
    lines = [dialogues.report(outcomes)]
    lines += [f"  dev miss: {line}" for line in dialogues.misses(outcomes)]
    return "\n".join(lines)
