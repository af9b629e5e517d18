"""Where a first message goes: in-scope questions to an answer, team descriptions to the form.

The answers and advisor figures each measure one path on its own; this measures the choice
between them, made by nlu.interpret for a message sent with no conversation under way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.datafile import load_yaml
from bot.evaluation.retrieval import SPLITS, load_questions
from bot.replies import DialogueState, Turn

if TYPE_CHECKING:
    from bot.dialogue import Engine


@dataclass(frozen=True, slots=True)
class Routing:
    """One split's routing: questions sent to the form, personas not sent there."""

    split: str
    questions: int
    to_form: list[str]
    personas: int
    not_to_form: list[str]


def _starts_form(engine: Engine, text: str) -> bool:
    state, _ = engine.handle(DialogueState(), Turn(text=text))
    return state.mode != "idle"


def evaluate(engine: Engine, datasets: Path, split: str) -> Routing:
    """Send each in-scope question and each persona of `split` as a first message."""
    questions = [
        q.text
        for q in load_questions(datasets / f"questions.{split}.yaml", engine.kb)
        if q.in_scope
    ]
    personas = [
        node.require("text").text()
        for node in load_yaml(datasets / f"personas.{split}.yaml").require("personas").items()
    ]
    return Routing(
        split,
        len(questions),
        [q for q in questions if _starts_form(engine, q)],
        len(personas),
        [p for p in personas if not _starts_form(engine, p)],
    )


def report(engine: Engine, datasets: Path) -> str:
    """The routing of every split, dev's misses listed."""
    lines = ["Routing of a first message (in-scope questions answered, personas to the form):"]
    misses: list[str] = []
    for split in SPLITS:
        files = (datasets / f"questions.{split}.yaml", datasets / f"personas.{split}.yaml")
        if not all(f.is_file() for f in files):
            continue
        r = evaluate(engine, datasets, split)
        answered = 1 - len(r.to_form) / max(r.questions, 1)
        formed = 1 - len(r.not_to_form) / max(r.personas, 1)
        lines.append(
            f"  {split:4}  questions answered: {answered:.3f} ({r.questions - len(r.to_form)}"
            f"/{r.questions}), personas to the form: {formed:.3f} "
            f"({r.personas - len(r.not_to_form)}/{r.personas})"
        )
        if split == "dev":
            misses = [f"  dev question to the form: {t}" for t in r.to_form]
            misses += [f"  dev persona answered: {t}" for t in r.not_to_form]
    return "\n".join(lines + misses)
