"""Intent detection with the real MiniLM model."""

from __future__ import annotations

import pytest

from bot.form import load_form
from bot.nlu import IntentClassifier


@pytest.fixture(scope="module")
def classifier(embedder, repo) -> IntentClassifier:
    return IntentClassifier(load_form(repo / "intents"), embedder)


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("which framework should my team pick?", "recommend"),
        ("is Spring Boot slow to start?", "ask"),
        ("can you tell me a joke", "out_of_scope"),
        ("thank you so much", "thanks"),
        ("let's begin again from the top", "restart"),
        ("skip", "skip"),
        ("go back", "back"),
    ],
)
def test_intents(classifier: IntentClassifier, embedder, text: str, intent: str) -> None:
    vector = embedder.encode([text])[0]
    assert classifier.classify(text, vector).intent == intent
