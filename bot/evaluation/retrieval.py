"""Retrieval quality on datasets/questions.*.yaml: bm25, dense and hybrid, dev and test splits.

Every question is encoded once and scored by BM25 once; each fusion is then plain arithmetic
on those arrays, so trying a few hundred fusion settings on the dev split costs a second.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.datafile import load_yaml
from bot.knowledge import KnowledgeBase
from bot.knowledge.mentions import mentioned_frameworks
from bot.retrieval.fusion import BASELINES, DEFAULT_FUSION, Fusion
from bot.retrieval.off_topic import OFF_TOPIC_MARGIN
from bot.retrieval.retriever import Retriever

SPLITS = ("dev", "test")
# A close call asks the user to choose: worth it for a wrong guess, a nuisance for a right
# one, so the margin search may flag at most a tenth of dev questions.
MAX_CLOSE_CALL_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Question:
    """One labelled question: the passage ids that answer it (none when out of scope)."""

    text: str
    answers: frozenset[str]
    in_scope: bool
    split: str
    origin: str
    category: str = "legacy"
    # yes / no, or the framework id a which-one question should name (None: not settled).
    verdict: str | None = None


def load_questions(path: Path, kb: KnowledgeBase) -> list[Question]:
    """Read and validate the labelled set; a DataError (file:line) on the first fault."""
    out: list[Question] = []
    for node in load_yaml(path).require("questions").items():
        text = node.require("question").text()
        split_node = node.require("split")
        split = split_node.text()
        if split not in SPLITS:
            raise split_node.error(f"split must be dev or test, got '{split}'")
        scope_node = node.get("in_scope")
        in_scope = True if scope_node is None else scope_node.value
        if not isinstance(in_scope, bool):
            raise scope_node.error("in_scope must be true or false")  # type: ignore[union-attr]
        answers: list[str] = []
        if in_scope:
            answers_node = node.require("answers")
            answers = answers_node.texts()
            for answer in answers:
                if answer not in kb.by_id:
                    raise answers_node.error(f"unknown passage id '{answer}'")
        elif node.get("answers") is not None and node.require("answers").texts():
            raise node.require("answers").error("an out-of-scope question has no answers")
        category = node.get("category")
        verdict = node.get("verdict")
        out.append(
            Question(
                text,
                frozenset(answers),
                in_scope,
                split,
                f"{path}:{node.line}",
                category.text() if category is not None else "legacy",
                str(verdict.value).lower() if verdict is not None else None,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Scored:
    """A question with the dense and BM25 score of every passage."""

    question: Question
    dense: np.ndarray
    bm25: np.ndarray
    # The best cosine with an off-topic description (knowledge/off_topics.yaml); -1: none.
    off_topic: float = -1.0


def score_questions(retriever: Retriever, questions: list[Question]) -> list[Scored]:
    """Component scores of every question (one batch encode)."""
    vectors = retriever.embedder.encode([q.text for q in questions])
    topics = retriever.off_topics
    return [
        Scored(
            q,
            *retriever.component_scores(q.text, v),
            float((topics @ v).max()) if len(topics) else -1.0,
        )
        for q, v in zip(questions, vectors, strict=True)
    ]


def tune_off_topic_margin(fusion: Fusion, scored: list[Scored], retriever: Retriever) -> float:
    """The off-topic margin that declines the most out-of-scope questions and no in-scope one.

    Only questions the null class can change count: ones over the scope bar naming no
    framework. Among equally good margins, the middle of their run, as for the threshold.
    """
    gaps: dict[bool, list[float]] = {True: [], False: []}
    for x in scored:
        named = mentioned_frameworks(x.question.text, retriever.kb, languages=True)
        fused = fusion.scores(x.dense, x.bm25)
        if named or fusion.scope_score(x.dense, x.bm25, fused) < fusion.threshold:
            continue
        gaps[x.question.in_scope].append(x.off_topic - float(np.nanmax(x.dense)))
    if not gaps[True] or not gaps[False]:
        return OFF_TOPIC_MARGIN
    values = sorted({*gaps[True], *gaps[False]})
    candidates = [(a + b) / 2 for a, b in itertools.pairwise(values)]
    # A margin over every in-scope gap declines none of them; of those, the ones that catch
    # the most out-of-scope questions win.
    allowed = [m for m in candidates if m > max(gaps[True])]
    if not allowed:
        return OFF_TOPIC_MARGIN
    caught = {m: sum(g >= m for g in gaps[False]) for m in allowed}
    winners = [m for m in allowed if caught[m] == max(caught.values())]
    return round((min(winners) + max(winners)) / 2, 3)


@dataclass(frozen=True, slots=True)
class Metrics:
    """Ranking quality on in-scope questions, scope decisions on both kinds."""

    hit1: float
    hit3: float
    mrr10: float
    oos_accuracy: float  # out-of-scope questions declined
    answered: float  # in-scope questions not declined
    close_calls: float  # in-scope questions answered with "did you mean"
    n_in: int
    n_out: int


@dataclass(frozen=True, slots=True)
class _Run:
    rank: int | None  # 1-based rank of the first right passage; None beyond 10
    scope: float
    gap: float | None
    in_scope: bool


def _runs(fusion: Fusion, scored: Iterable[Scored], retriever: Retriever) -> list[_Run]:
    runs = []
    ids = [p.id for p in retriever.kb.passages]
    for item in scored:
        fused = fusion.scores(item.dense, item.bm25)
        order = np.argsort(-fused, kind="stable")
        rank = next(
            (n for n, i in enumerate(order[:10], 1) if ids[i] in item.question.answers), None
        )
        scope = fusion.scope_score(item.dense, item.bm25, fused)
        runs.append(
            _Run(rank, scope, retriever.runner_up_gap(fused, order), item.question.in_scope)
        )
    return runs


def evaluate(fusion: Fusion, scored: list[Scored], retriever: Retriever) -> Metrics:
    """The metrics of `fusion` (with its threshold and margin) on `scored`."""
    runs = _runs(fusion, scored, retriever)
    inside = [r for r in runs if r.in_scope]
    outside = [r for r in runs if not r.in_scope]

    def share(flags: list[bool]) -> float:
        return sum(flags) / len(flags) if flags else float("nan")

    answered = [r for r in inside if r.scope >= fusion.threshold]
    return Metrics(
        hit1=share([r.rank == 1 for r in inside]),
        hit3=share([r.rank is not None and r.rank <= 3 for r in inside]),
        mrr10=sum(1 / r.rank for r in inside if r.rank) / len(inside) if inside else 0.0,
        oos_accuracy=share([r.scope < fusion.threshold for r in outside]),
        answered=share([r.scope >= fusion.threshold for r in inside]),
        close_calls=share([r.gap is not None and r.gap < fusion.margin for r in answered]),
        n_in=len(inside),
        n_out=len(outside),
    )


def tune_threshold(fusion: Fusion, scored: list[Scored], retriever: Retriever) -> float:
    """The scope threshold that best separates in- from out-of-scope questions in `scored`.

    Balanced accuracy (the mean of both kinds' accuracies), and among equally good thresholds
    the middle of the widest gap, so the line sits as far as it can from both kinds.
    """
    runs = _runs(fusion, scored, retriever)
    values = sorted({r.scope for r in runs})
    candidates = [(a + b) / 2 for a, b in itertools.pairwise(values)] or [0.0]
    inside = [r.scope for r in runs if r.in_scope]
    outside = [r.scope for r in runs if not r.in_scope]

    def balanced(t: float) -> float:
        return float(np.mean([s >= t for s in inside]) + np.mean([s < t for s in outside])) / 2

    best = max(balanced(t) for t in candidates)
    winners = [t for t in candidates if balanced(t) == best]
    # The winners form a run of candidates; its middle is furthest from both kinds.
    return float((min(winners) + max(winners)) / 2)


def tune_margin(fusion: Fusion, scored: list[Scored], retriever: Retriever) -> float:
    """The close-call margin that best flags wrong first answers (at most a tenth flagged)."""
    runs = [
        r for r in _runs(fusion, scored, retriever) if r.in_scope and r.scope >= fusion.threshold
    ]
    wrong = [r.gap for r in runs if r.rank != 1 and r.gap is not None]
    right = [r.gap for r in runs if r.rank == 1 and r.gap is not None]
    if not wrong or not right:
        return 0.0
    best, best_j = 0.0, 0.0
    for margin in sorted({round(gap, 4) + 1e-4 for gap in wrong}):
        flagged = [r for r in runs if r.gap is not None and r.gap < margin]
        if len(flagged) > MAX_CLOSE_CALL_SHARE * len(runs):
            break
        caught = sum(1 for gap in wrong if gap < margin) / len(wrong)
        bothered = sum(1 for gap in right if gap < margin) / len(right)
        if caught - bothered > best_j:
            best, best_j = margin, caught - bothered
    return round(best, 4)


def _alternatives() -> list[Fusion]:
    alphas = [round(a, 2) for a in np.arange(0.0, 1.01, 0.05)]
    out = [Fusion(method="rrf", rrf_k=k) for k in (1, 5, 10, 20, 60)]
    out += [Fusion(method="minmax", alpha=a) for a in alphas]
    out += [
        Fusion(method="convex", alpha=a, bm25_half=h, pool=k)
        for a in alphas
        for h in (1, 2, 4, 8, 12, 16)
        for k in (1, 2, 4)
    ]
    return out


def search_fusions(dev: list[Scored], retriever: Retriever) -> tuple[Fusion, list[str]]:
    """The best fusion on dev by MRR@10 (ties: hit@1), and a line per family tried."""
    results = [(evaluate(f, dev, retriever), f) for f in _alternatives()]
    lines = []
    for method in ("rrf", "minmax", "convex"):
        family = [(m, f) for m, f in results if f.method == method]
        m, f = max(family, key=lambda mf: (mf[0].mrr10, mf[0].hit1))
        lines.append(f"  {_describe(f):34} MRR@10 {m.mrr10:.3f}  hit@1 {m.hit1:.3f}")
        if method == "rrf":
            m60 = next(m for m, f in family if f.rrf_k == 60)
            lines.append(
                f"  {'rrf k=60 (the usual default)':34} MRR@10 {m60.mrr10:.3f}  "
                f"hit@1 {m60.hit1:.3f}"
            )
    best = max(results, key=lambda mf: (mf[0].mrr10, mf[0].hit1))[1]
    return best, lines


def _describe(fusion: Fusion) -> str:
    if fusion.method == "rrf":
        return f"rrf k={fusion.rrf_k:g}"
    if fusion.method == "minmax":
        return f"min-max convex alpha={fusion.alpha:g}"
    if fusion.method == "convex":
        pool = f" pool={fusion.pool}" if fusion.pool > 1 else ""
        scope = ""
        if fusion.scope_alpha is not None or fusion.scope_half is not None:
            alpha = fusion.alpha if fusion.scope_alpha is None else fusion.scope_alpha
            half = fusion.bm25_half if fusion.scope_half is None else fusion.scope_half
            scope = f" (scope: alpha={alpha:g} bm25_half={half:g})"
        return f"convex alpha={fusion.alpha:g} bm25_half={fusion.bm25_half:g}{pool}{scope}"
    return fusion.method


def _table(rows: list[tuple[str, str, Metrics]]) -> list[str]:
    head = f"{'split':6} {'method':7} {'hit@1':>6} {'hit@3':>6} {'MRR@10':>7} {'oos-acc':>8} "
    head += f"{'answered':>9} {'close':>6}  n(in/out)"
    lines = [head, "-" * len(head)]
    for split, name, m in rows:
        lines.append(
            f"{split:6} {name:7} {m.hit1:6.3f} {m.hit3:6.3f} {m.mrr10:7.3f} {m.oos_accuracy:8.3f} "
            f"{m.answered:9.3f} {m.close_calls:6.3f}  {m.n_in}/{m.n_out}"
        )
    return lines


def retrieval_report(retriever: Retriever, questions: list[Question]) -> str:
    """The side-by-side table for the shipped settings, and the dev search behind them."""
    scored = score_questions(retriever, questions)
    by_split = {s: [x for x in scored if x.question.split == s] for s in SPLITS}
    rows = [
        (split, name, evaluate(fusion, by_split[split], retriever))
        for split in SPLITS
        for name, fusion in BASELINES.items()
    ]
    lines = ["Retrieval (shipped settings; hit@k and MRR@10 over in-scope questions)", ""]
    lines += _table(rows)
    dev = by_split["dev"]
    best, family_lines = search_fusions(dev, retriever)
    best = best.with_(threshold=tune_threshold(best, dev, retriever))
    best = best.with_(margin=tune_margin(best, dev, retriever))
    lines += ["", "Fusion search on dev (best of each family):", *family_lines]
    lines.append(
        f"  dev picks: {_describe(best)} threshold={best.threshold:.3f} margin={best.margin:.3f}"
    )
    lines.append(
        f"  shipped:   {_describe(DEFAULT_FUSION)} threshold={DEFAULT_FUSION.threshold:.3f} "
        f"margin={DEFAULT_FUSION.margin:.3f}"
    )
    margin = tune_off_topic_margin(DEFAULT_FUSION, dev, retriever)
    lines.append(f"  off-topic margin on dev: {margin:.3f} (shipped {OFF_TOPIC_MARGIN:.3f})")
    for name, fusion in BASELINES.items():
        if name != "hybrid":
            t = tune_threshold(fusion, dev, retriever)
            lines.append(f"  {name} threshold on dev: {t:.3f} (shipped {fusion.threshold:.3f})")
    return "\n".join(lines)


def report(retriever: Retriever, paths: Sequence[Path]) -> str:
    """Load the labelled sets at `paths` and return the retrieval report."""
    questions = [q for path in paths for q in load_questions(path, retriever.kb)]
    return retrieval_report(retriever, questions)
