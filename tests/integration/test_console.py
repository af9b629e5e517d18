"""The console adapter over piped standard input, with the real model.

`engine` is the session's one (tests/integration/conftest.py), built as `make chat` builds it.
"""

from __future__ import annotations

import io

import pytest

from bot.console import converse, parse_line
from bot.dialogue import Engine
from bot.replies import Option


def test_parse_line_numbers_labels_commands() -> None:
    options = [Option("Python", "answer", "team_language", "python"), Option("Skip", "skip")]
    assert parse_line("1", options, 3).option == options[0]
    assert parse_line("skip", options, 3).option == options[1]
    assert parse_line("/compare Django vs Go", options, 3).command == "compare"
    assert parse_line("we use Go", options, 3).text == "we use Go"


@pytest.mark.model
def test_piped_conversation_reaches_a_pick(engine: Engine) -> None:
    lines = io.StringIO("1\nPython\ncontent-heavy site\n" + "skip\n" * 6)
    out = io.StringIO()
    state = converse(engine, lines, out, prompt=False)
    assert state.last_pick == "django"
    assert "Recommendation: Django" in out.getvalue()


@pytest.mark.model
def test_numbers_run_on_across_replies_and_a_wrong_number_is_explained(engine: Engine) -> None:
    # The opening message fills three slots: "what I understood" (3 change buttons) comes
    # first, then the pick, whose "Start over" is therefore option 5, not 2.
    lines = io.StringIO("99\nwe're three python devs building a content site\n5\n")
    out = io.StringIO()
    state = converse(engine, lines, out, prompt=False)
    text = out.getvalue()
    assert "There is no option 99: type 1 to 3" in text
    assert "  5. Start over" in text
    assert state.mode != "done" and not state.slots
