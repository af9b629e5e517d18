"""What users get: every labelled question through the whole answer path, per split and category.

The retrieval report scores rankings; this one scores answers as `ask` and the chat give them
(typo tolerance, scope, comparisons, the answer line included): hit@k over the passages an
answer shows, in-scope questions wrongly declined, out-of-scope questions declined, and the
answer line's verdict where the label has one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.dialogue.answer import Answer, Answerer
from bot.evaluation.retrieval import SPLITS, Question

OUT_OF_SCOPE = ("oos_uncovered", "oos_near", "oos_far", "oos_legacy")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One question's answer, judged against its label."""

    question: Question
    rank: int | None  # 1-based rank of the first right passage shown; None: none shown
    declined: bool
    verdict_ok: bool | None  # None: no verdict labelled
    asked_back: bool = False  # answered with "did you mean" choices


def _verdict_ok(question: Question, answer: Answer, names: dict[str, str]) -> bool | None:
    """Whether the answer line gives the labelled verdict: yes, no, or the framework named."""
    if question.verdict is None:
        return None
    line = (answer.answer_line or "").lower()
    if question.verdict in ("yes", "no"):
        return line.startswith(question.verdict)
    return names.get(question.verdict, question.verdict).lower() in line


def judge(answerer: Answerer, questions: Sequence[Question]) -> list[Outcome]:
    """Answer every question and judge it."""
    vectors = [None] * len(questions)  # each question is encoded (and mended) on its way
    names = {fid: f.name for fid, f in answerer.kb.frameworks.items()}
    out = []
    for question, vector in zip(questions, vectors, strict=True):
        answer = answerer.answer(question.text, vector)
        ids = [p.id for p in answer.passages]
        rank = next((n for n, pid in enumerate(ids, 1) if pid in question.answers), None)
        verdict = _verdict_ok(question, answer, names)
        asked_back = answer.kind == "choices"
        out.append(Outcome(question, rank, not answer.in_scope, verdict, asked_back))
    return out


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures of a group of outcomes (NaN-free: None when they do not apply)."""

    n: int
    hit1: float | None
    hit3: float | None
    declined: float  # share declined: wanted for out of scope, a failure for in scope
    verdicts: tuple[int, int]  # right, labelled
    asked_back: float = 0.0  # share answered with "did you mean" choices


def figures(outcomes: Sequence[Outcome]) -> Figures:
    """hit@1, hit@3 (in scope), the declined share and verdicts of `outcomes`."""
    inside = [o for o in outcomes if o.question.in_scope]
    labelled = [o for o in outcomes if o.verdict_ok is not None]

    def share(flags: list[bool]) -> float | None:
        return sum(flags) / len(flags) if flags else None

    return Figures(
        n=len(outcomes),
        hit1=share([o.rank == 1 for o in inside]),
        hit3=share([o.rank is not None and o.rank <= 3 for o in inside]),
        declined=sum(o.declined for o in outcomes) / len(outcomes) if outcomes else 0.0,
        verdicts=(sum(bool(o.verdict_ok) for o in labelled), len(labelled)),
        asked_back=sum(o.asked_back for o in outcomes) / len(outcomes) if outcomes else 0.0,
    )


def _cell(value: float | None) -> str:
    return f"{value:6.3f}" if value is not None else f"{'-':>6}"


def report(outcomes: Sequence[Outcome]) -> str:
    """Per split: a row per category, then in-scope and out-of-scope totals."""
    head = f"{'split':5} {'category':14} {'n':>4} {'hit@1':>6} {'hit@3':>6} {'declined':>8}"
    head += f" {'back':>6}"
    lines = ["Answers (the whole path, as users get them)", "", head + "  verdicts", "-" * 67]
    for split in SPLITS:
        mine = [o for o in outcomes if o.question.split == split]
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in mine:
            groups[o.question.category].append(o)
        rows = sorted(groups.items(), key=lambda kv: (kv[0] in OUT_OF_SCOPE, kv[0]))
        rows += [
            ("in scope", [o for o in mine if o.question.in_scope]),
            ("out of scope", [o for o in mine if not o.question.in_scope]),
        ]
        for name, group in rows:
            f = figures(group)
            right, labelled = f.verdicts
            verdicts = f"{right}/{labelled}" if labelled else ""
            lines.append(
                f"{split:5} {name:14} {f.n:4} {_cell(f.hit1)} {_cell(f.hit3)} "
                f"{f.declined:8.3f} {f.asked_back:6.3f}  {verdicts}"
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def misses(outcomes: Sequence[Outcome], split: str = "dev", limit: int = 40) -> list[str]:
    """What went wrong on `split` (dev by default: test is for reporting, not for reading)."""
    out = []
    for o in outcomes:
        q = o.question
        if q.split != split:
            continue
        if q.in_scope and (o.declined or o.rank is None or o.rank > 3):
            what = "declined" if o.declined else f"rank {o.rank}"
            out.append(f"{q.category}: {what}: {q.text}")
        elif not q.in_scope and not o.declined:
            out.append(f"{q.category}: answered: {q.text}")
        elif o.verdict_ok is False:
            out.append(f"{q.category}: verdict {q.verdict} missed: {q.text}")
    return out[:limit]
