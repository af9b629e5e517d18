"""The labelled sets hold the advisor to the issue's bar (the real model reads the needs)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.evaluation.advisor import evaluate, evaluate_needs, report


@pytest.mark.model
def test_persona_accuracy_and_slot_precision_recall(embedder) -> None:
    # A ratchet on the dev split, at what it measured (raise it with each gain, never lower it):
    # 0.89 / 0.94 / 0.78 when the blind-written dev personas and utterances joined it;
    # 0.99 / 0.97 / 1.00 with cue families, team skills first, exclusions and needs (issue 13);
    # 1.00 / 0.975 / 0.995 on 150 personas and 130 utterances (one miss allowed: model noise);
    # 1.00 / 0.972 / 0.972 on 142 utterances (12 paraphrases naming no cue) with slot values
    # read by meaning too (lexically those were P 0.971, R 0.948);
    # 1.00 / 0.972 / 0.976 with more everyday `means` phrasings per value;
    # 0.985 / 0.967 / 0.930 once 48 personas and 46 utterances written before round 3's
    # changes joined (198 and 188: the new ones alone 0.938 / 0.950 / 0.792), then
    # 1.00 / 0.975 / 0.958 with round 3's changes (typos, relative clauses, counted things,
    # fragments, backgrounds, wishes as needs);
    # 0.988 / 0.977 / 0.954 once the 60 personas and 40 utterances of the fresh-2026-12 block
    # joined (258 and 228; the block alone 0.950 / 0.984 / 0.939), then 1.00 / 0.980 / 0.960
    # (one miss still allowed: model noise); 270/272 (0.993) with issue 21's personas and the
    # int8 ONNX encoder, whose need score for the serverless-JVM persona sits 0.001 over the
    # threshold where torch's sat 0.001 under it.
    scores = evaluate(Settings(_env_file=None), embedder=embedder)  # type: ignore[call-arg]
    assert scores.personas >= 272
    assert scores.accuracy >= 0.99, scores.misses
    assert scores.precision >= 0.979 and scores.recall >= 0.96, scores.misses


@pytest.mark.model
def test_need_detection_on_the_dev_statements(embedder) -> None:
    # Ratchet at the shipped threshold (issue 13): P 0.936, R 0.688 on 86 statements; then
    # P 0.904, R 0.734 with more phrasings per need (a trade: test personas 89.1% -> 90.9%);
    # R 0.719 once "validation" stopped being a typing synonym (it no longer masks a clause);
    # P 0.882, R 0.703 with the "unopinionated" need (test personas 90.9% -> 91.8%);
    # P 0.902, R 0.719 once every phrase the slots read is left out of the clauses;
    # P 0.930, R 0.828 with 6-8 more phrasings per need (symptoms, informal, negated);
    # P 0.946 with every "n't" form a negation; P 0.965, R 0.859 once a negation inside a
    # requirement ("with no delay") is compared with phrasings of both polarities;
    # P 0.875, R 0.805 once 29 statements written before round 3's changes joined (118; the
    # new ones alone P 0.652, R 0.652), then P 0.864, R 0.805 with round 3's changes.
    scores = evaluate_needs(Settings(_env_file=None), "dev", embedder)  # type: ignore[call-arg]
    assert scores.statements >= 118
    assert scores.precision >= 0.86 and scores.recall >= 0.80, scores.misses


@pytest.mark.model
def test_report_prints_the_figures(embedder) -> None:
    text = report(Settings(_env_file=None), embedder)  # type: ignore[call-arg]
    assert "persona accuracy:" in text and "precision" in text and "recall" in text
    assert "needs (dev only" in text
