"""The console adapter over piped standard input, with the real model.

`engine` is the session's one (tests/integration/conftest.py), built as `make chat` builds it.
"""

from __future__ import annotations

import io
import logging

import pytest

from bot.console import SORRY, converse, parse_line
from bot.dialogue import Engine
from bot.replies import Option, Turn


def test_parse_line_numbers_labels_commands() -> None:
    options = [Option("Python", "answer", "team_language", "python"), Option("Skip", "skip")]
    assert parse_line("1", options, 3).option == options[0]
    assert parse_line("skip", options, 3).option == options[1]
    assert parse_line("/compare Django vs Go", options, 3).command == "compare"
    # A group's command names the bot: "/recommend@advisor_bot ...".
    assert parse_line("/Recommend@advisor_bot 3 devs", options, 3) == Turn(
        text="3 devs", command="recommend"
    )
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


class FailingEngine:
    """The real engine, failing on one turn's text."""

    def __init__(self, engine: Engine, fail_on: str) -> None:
        self.engine, self.fail_on = engine, fail_on

    def handle(self, state, turn):
        if turn.text == self.fail_on:
            raise RuntimeError("engine failure injected by a test")
        return self.engine.handle(state, turn)


@pytest.mark.model
def test_an_engine_failure_is_logged_apologised_for_and_the_answers_are_kept(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    lines = io.StringIO("/recommend\n1\nboom\n1\n")
    out = io.StringIO()
    with caplog.at_level(logging.INFO):
        state = converse(FailingEngine(engine, "boom"), lines, out, prompt=False)  # type: ignore[arg-type]
    assert SORRY in out.getvalue()
    assert [r.levelno for r in caplog.records if "console turn" in r.getMessage()] == [
        logging.ERROR
    ]
    # The answer before the failure is kept, and the one after it is added.
    assert len(state.slots) == 2, state


@pytest.mark.model
def test_chat_json_gives_one_object_per_user_line(engine: Engine) -> None:
    import json

    lines = io.StringIO(
        "is django good for realtime chat?\n"
        "and what about node?\n"
        "/recommend three Python devs building a content-heavy site\n"
        "why not fastapi?\n"
    )
    out = io.StringIO()
    converse(engine, lines, out, prompt=False, as_json=True)
    turns = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(turns) == 4
    for turn in turns:
        assert {"say", "resolved", "answer_line", "answer", "passages", "pick"} <= set(turn)
    first, follow, pick, why = turns
    assert first["resolved"] is None and first["passages"]
    assert follow["resolved"] == "is Node.js good for realtime chat?"
    assert follow["answer_line"].startswith("Yes")
    assert follow["passages"][0]["id"] == "wins.node.io"
    assert set(follow["passages"][0]) == {"id", "section", "text", "score"}
    assert pick["pick"] == {"id": "django", "name": "Django"}
    assert "Recommendation: Django" in pick["say"]
    assert why["resolved"] == "why Django and not FastAPI?"
    assert why["pick"] is None
    assert "Where Django beat FastAPI" in why["answer"]
