"""The answers conversations (tests/conversations/answers.yaml) typed into the console."""

from __future__ import annotations

import io
from typing import Any

import pytest
from support.conversations import typed_conversations

from bot.console import converse

CASES = typed_conversations()


@pytest.mark.model
@pytest.mark.parametrize(("name", "turns"), CASES, ids=[c[0] for c in CASES])
def test_typed_questions_get_their_answers_in_the_console(
    name: str, turns: list[tuple[str, list[str]]], engine: Any
) -> None:
    for text, says in turns:
        out = io.StringIO()
        converse(engine, io.StringIO(text + "\n"), out, prompt=False)
        for fragment in says:
            assert fragment.lower() in out.getvalue().lower(), (text, out.getvalue())
