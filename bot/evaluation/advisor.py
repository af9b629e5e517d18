"""Advisor quality: persona pick accuracy and slot-extraction precision/recall."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.advisor import Advisor, validate_rules
from bot.config import Settings
from bot.datafile import load_yaml
from bot.form import load_form
from bot.knowledge import load_knowledge
from bot.nlu import SlotExtractor


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


def evaluate(settings: Settings, split: str = "dev", data: Path | None = None) -> AdvisorScores:
    """Run one split of the labelled personas and slot utterances through the advisor."""
    data = settings.datasets_dir if data is None else data
    kb = load_knowledge(settings.knowledge_dir)
    spec = load_form(settings.intents_dir)
    validate_rules(kb, spec, settings.knowledge_dir / "rules.yaml")
    extractor, advisor = SlotExtractor(spec), Advisor(kb, spec)
    misses: list[str] = []
    personas = load_yaml(data / f"personas.{split}.yaml").require("personas").items()
    correct = 0
    for node in personas:
        text = node.require("text").text()
        accept = node.require("accept").texts()
        extraction = extractor.extract(text)
        pick = advisor.recommend(extraction.values, extraction.negated).pick.id
        if pick in accept:
            correct += 1
        else:
            misses.append(f"persona line {node.line}: picked {pick}, wanted {accept}: {text}")
    true_pos = predicted = expected = 0
    utterances = load_yaml(data / f"slot_utterances.{split}.yaml").require("utterances").items()
    for node in utterances:
        text = node.require("text").text()
        gold = {
            k: v.text()
            for k, v in (node.get("slots") or node).mapping().items()
            if node.get("slots") is not None
        }
        gold_neg = {
            (k, v)
            for k, vs in (
                (node.get("negated").plain() or {}) if node.get("negated") else {}
            ).items()
            for v in vs
        }
        got = extractor.extract(text)
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


def report(settings: Settings) -> str:
    """The advisor section of `python -m bot eval` (dev and test), as printable text."""
    lines = ["Advisor"]
    misses: list[str] = []
    for split in SPLITS:
        scores = evaluate(settings, split)
        lines += [
            f"  {split:4}  persona accuracy: {scores.accuracy:.1%} "
            f"({scores.correct}/{scores.personas}); slot extraction: precision "
            f"{scores.precision:.3f}, recall {scores.recall:.3f} ({scores.utterances} utterances)",
        ]
        if split == "dev":
            misses = list(scores.misses)
    lines += [f"  dev miss: {m}" for m in misses[:30]]
    return "\n".join(lines)
