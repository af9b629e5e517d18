"""Advisor quality: persona pick accuracy and slot-extraction precision/recall."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.advisor import Advisor, validate_rules
from bot.config import Settings
from bot.datafile import load_yaml
from bot.form import load_form
from bot.knowledge import load_knowledge
from bot.nlu import DescriptionReader
from bot.nlu.needs import NEED_THRESHOLD
from bot.nlu.spelling import Speller

if TYPE_CHECKING:
    from bot.embedding import Embedder


@dataclass(frozen=True, slots=True)
class AdvisorScores:
    """Persona accuracy, slot precision and recall, and the misses behind them."""

    personas: int
    correct: int
    precision: float
    recall: float
    utterances: int
    misses: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        """Share of personas whose pick is acceptable."""
        return self.correct / self.personas if self.personas else 0.0


SPLITS = ("dev", "test")


class _Memo:
    """An embedder that remembers: the eval encodes every text's clauses in a few big batches
    up front (a forward pass per text took most of its time), then reads from memory."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._seen: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._seen))
        for start in range(0, len(missing), 64):
            chunk = missing[start : start + 64]
            for text, vector in zip(chunk, self.inner.encode(chunk), strict=True):
                self._seen[text] = vector
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._seen[t] for t in texts])


def _reader(settings: Settings, embedder: Embedder | None) -> tuple[DescriptionReader, Advisor]:
    kb = load_knowledge(settings.knowledge_dir)
    spec = load_form(settings.intents_dir)
    validate_rules(kb, spec, settings.knowledge_dir / "rules.yaml")
    from bot.embedding.files import vocabulary

    if embedder is None:
        from bot.embedding.loader import load_embedder

        embedder = load_embedder(settings.embedder)
    speller = Speller.for_descriptions(kb, spec, vocabulary())
    reader = DescriptionReader(spec, kb, _Memo(embedder), settings.data_dir / "index", speller)
    return reader, Advisor(kb, spec)


def _warm(reader: DescriptionReader, texts: list[str]) -> None:
    """Encode what reading `texts` will need, in a few batches."""
    reader.needs.embedder.encode([c for t in texts for c in reader.to_encode(t)])


def evaluate(
    settings: Settings,
    split: str = "dev",
    data: Path | None = None,
    embedder: Embedder | None = None,
) -> AdvisorScores:
    """Run one split of the labelled personas and slot utterances through the advisor, reading
    each text as the bot does (slots, exclusions and needs; the model is loaded if not given)."""
    data = settings.datasets_dir if data is None else data
    reader, advisor = _reader(settings, embedder)
    misses: list[str] = []
    personas = load_yaml(data / f"personas.{split}.yaml").require("personas").items()
    _warm(reader, [node.require("text").text() for node in personas])
    correct = 0
    for node in personas:
        text = node.require("text").text()
        accept = node.require("accept").texts()
        extraction = reader.read(text)
        rec = advisor.recommend(
            extraction.values, extraction.negated, extraction.needs, extraction.excluded
        )
        pick = rec.pick.id
        if pick in accept:
            correct += 1
        else:
            misses.append(f"persona line {node.line}: picked {pick}, wanted {accept}: {text}")
    true_pos = predicted = expected = 0
    utterances = load_yaml(data / f"slot_utterances.{split}.yaml").require("utterances").items()
    _warm(reader, [node.require("text").text() for node in utterances])
    for node in utterances:
        text = node.require("text").text()
        gold = {
            k: v.text()
            for k, v in (node.get("slots") or node).mapping().items()
            if node.get("slots") is not None
        }
        negated_node = node.get("negated")
        gold_neg = {
            (k, v)
            for k, vs in ((negated_node.plain() or {}) if negated_node else {}).items()
            for v in vs
        }
        got = reader.read(text)
        pairs = set(got.values.items()) | {
            ("not " + k, v) for k, vs in got.negated.items() for v in vs
        }
        gold_pairs = set(gold.items()) | {("not " + k, v) for k, v in gold_neg}
        true_pos += len(pairs & gold_pairs)
        predicted += len(pairs)
        expected += len(gold_pairs)
        if pairs != gold_pairs:
            misses.append(
                f"utterance line {node.line}: got {sorted(pairs)}, "
                f"wanted {sorted(gold_pairs)}: {text}"
            )
    return AdvisorScores(
        personas=len(personas),
        correct=correct,
        precision=true_pos / predicted if predicted else 1.0,
        recall=true_pos / expected if expected else 1.0,
        utterances=len(utterances),
        misses=tuple(misses),
    )


@dataclass(frozen=True, slots=True)
class NeedScores:
    """Need detection on the labelled need statements: precision, recall, and the threshold
    that maximises F1 there (beside the shipped one)."""

    statements: int
    precision: float
    recall: float
    best_threshold: float
    best_f1: float
    misses: tuple[str, ...]


def evaluate_needs(
    settings: Settings, split: str = "dev", embedder: Embedder | None = None
) -> NeedScores:
    """Precision and recall of the needs found in datasets/needs.<split>.yaml."""
    reader, _ = _reader(settings, embedder)
    detector = reader.needs
    path = settings.datasets_dir / f"needs.{split}.yaml"
    items = []
    statements = load_yaml(path).require("statements").items()
    _warm(reader, [node.require("text").text() for node in statements])
    for node in statements:
        text = node.require("text").text()
        gold = set(node.require("needs").texts()) if node.require("needs").value else set()
        mended = reader.mend(text)
        explained = reader.extractor.extract(mended).explained(reader.wishes)
        scored = detector.scores(mended, None, explained)
        items.append((text, gold, scored))

    def found(scored: list[tuple[str, np.ndarray]], threshold: float) -> set[str]:
        out = set()
        for _, best in scored:
            n = int(np.argmax(best))
            if best[n] >= threshold:
                out.add(detector.need_ids[n])
        return out

    def prf(threshold: float) -> tuple[float, float, float]:
        tp = predicted = expected = 0
        for _, gold, scored in items:
            got = found(scored, threshold)
            tp, predicted, expected = (
                tp + len(got & gold),
                predicted + len(got),
                expected + len(gold),
            )
        p = tp / predicted if predicted else 1.0
        r = tp / expected if expected else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    grid = [round(0.30 + 0.01 * k, 2) for k in range(31)]
    best = max(grid, key=lambda t: (round(prf(t)[2], 3), t))
    p, r, _ = prf(detector.threshold)
    misses = tuple(
        f"need: got {sorted(found(scored, detector.threshold))}, wanted {sorted(gold)}: {text}"
        for text, gold, scored in items
        if found(scored, detector.threshold) != gold
    )
    return NeedScores(len(items), p, r, best, prf(best)[2], misses)


def report(settings: Settings, embedder: Embedder | None = None) -> str:
    """The advisor section of `python -m bot eval` (dev and test), as printable text."""
    if embedder is None:
        from bot.embedding.loader import load_embedder

        embedder = load_embedder(settings.embedder)
    lines = ["Advisor"]
    misses: list[str] = []
    for split in SPLITS:
        if not (settings.datasets_dir / f"personas.{split}.yaml").is_file():
            continue  # a dev-only DATASETS_DIR, to tune without seeing test
        scores = evaluate(settings, split, embedder=embedder)
        lines += [
            f"  {split:4}  persona accuracy: {scores.accuracy:.1%} "
            f"({scores.correct}/{scores.personas}); slot extraction: precision "
            f"{scores.precision:.3f}, recall {scores.recall:.3f} ({scores.utterances} utterances)",
        ]
        if split == "dev":
            misses = list(scores.misses)
    needs = evaluate_needs(settings, "dev", embedder)
    lines.append(
        f"  needs (dev only: no blind split; the test personas measure them end to end): "
        f"precision {needs.precision:.3f}, recall {needs.recall:.3f} ({needs.statements} "
        f"statements) at threshold {NEED_THRESHOLD}; dev F1 peaks at {needs.best_threshold} "
        f"({needs.best_f1:.3f})"
    )
    misses += list(needs.misses)
    lines += [f"  dev miss: {m}" for m in misses[:40]]
    return "\n".join(lines)
