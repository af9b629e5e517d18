"""The labelled sets hold the advisor to the issue's bar (no model needed)."""

from __future__ import annotations

from bot.config import Settings
from bot.evaluation.advisor import evaluate, report


def test_persona_accuracy_and_slot_precision_recall() -> None:
    scores = evaluate(Settings(_env_file=None))  # type: ignore[call-arg]
    assert scores.personas >= 60
    assert scores.accuracy >= 0.95, scores.misses
    assert scores.precision >= 0.9 and scores.recall >= 0.9, scores.misses


def test_report_prints_the_figures() -> None:
    text = report(Settings(_env_file=None))  # type: ignore[call-arg]
    assert "persona accuracy:" in text and "precision" in text and "recall" in text
