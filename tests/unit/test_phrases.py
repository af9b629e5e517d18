"""The word index keeps exactly the phrases whose bounded pattern could match a text."""

from __future__ import annotations

import itertools
import re

from bot.knowledge.phrases import WordIndex, words

PHRASES = ["node.js", "type hints", "c#", "asp.net core", "go", "i'm the only dev", "", "ci/cd"]


def bounded(phrase: str) -> re.Pattern[str]:
    body = re.escape(phrase).replace(r"\ ", r"[\s-]+")
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE)


def test_candidates_keep_insertion_order_and_bare_patterns() -> None:
    index = WordIndex((p, p) for p in PHRASES)
    assert index.candidates(words("We write Node.js with type-hints and C#")) == [
        "node.js",
        "type hints",
        "c#",
        "",
    ]


PIECES = [*PHRASES, "x", "net", "only", "Type", "-", " ", ".", "#", "/"]


def test_no_phrase_that_matches_is_left_out() -> None:
    index = WordIndex((p, p) for p in PHRASES if p)
    for parts in itertools.product(PIECES, repeat=3):
        text = "".join(parts)
        kept = set(index.candidates(words(text)))
        for phrase in PHRASES:
            if phrase and bounded(phrase).search(text):
                assert phrase in kept, (phrase, text)
