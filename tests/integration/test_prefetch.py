"""After `Engine.prefetch`, handling the turn runs no forward pass of the model.

In Telegram the turn runs on the event loop once its prefetch is done: a vector the prefetch
missed (a mended typo, a description's clause read with the pending question) was encoded
there, holding every chat for the length of a forward pass.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.fakes import CountingEmbedder

from bot.replies import DialogueState, Turn

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def counted(embedder: Any) -> tuple[Any, CountingEmbedder]:
    """A fresh engine (its own empty query cache) whose model counts what it encodes."""
    from bot.config import Settings
    from bot.wiring import build_engine

    engine = build_engine(Settings(_env_file=None))  # type: ignore[call-arg]
    model = CountingEmbedder(engine.embedder.inner)
    engine.embedder.inner = model
    return engine, model


FORM = DialogueState(mode="form", requested_slot="team_size", slots={"team_language": "python"})

TURNS = [
    (Turn(text="is djnago good for a content heavy site?"), DialogueState()),
    (Turn(text="sprng boot startup lag on lambda, how bad?"), DialogueState()),
    (Turn(text="djnago vs fastpi for an internal tool"), DialogueState()),
    (
        Turn(text="we're five pyhton devs, our functions must wake up instantly"),
        DialogueState(),
    ),
    (Turn(text="about five people, and it has to squeeze every core"), FORM),
    (Turn(text="is nodejs ok for video encoding?", command="ask"), DialogueState()),
    (Turn(text="does djnago scale for a news site?", command="ask"), DialogueState()),
    (
        Turn(text="typescrpt team, opinionated layout, injected services", command="recommend"),
        DialogueState(),
    ),
    # A how-to about a framework is searched again with the names cut out.
    (Turn(text="how do I configure CORS in Spring Boot?"), DialogueState()),
    (Turn(text="django static files not working in production", command="ask"), DialogueState()),
    # Whether these read needs hangs on their intent: the clauses wait for the text's vector.
    (
        Turn(text="which framework is best for a realtime dashboard on edge functions?"),
        DialogueState(),
    ),
    (Turn(text="node downsides, and a tiny api at the edge"), DialogueState()),
]


@pytest.mark.parametrize(("turn", "state"), TURNS, ids=[t.text[:30] for t, _ in TURNS])
def test_a_prefetched_turn_encodes_nothing_more(
    counted: tuple[Any, CountingEmbedder], turn: Turn, state: DialogueState
) -> None:
    engine, model = counted
    future = engine.prefetch(turn, state)
    assert future is not None
    future.result(timeout=60)
    model.texts.clear()
    engine.handle(state, turn)
    assert model.texts == []


def test_a_question_answered_from_the_article_encodes_only_itself(
    counted: tuple[Any, CountingEmbedder],
) -> None:
    """Its clauses would state needs nobody reads: "rust" masked out is a second forward pass.
    Nor is its rest searched: it holds no word only the off-topics use."""
    engine, model = counted
    model.texts.clear()
    turn = Turn(text="is rust good for backend services in a bank?")
    future = engine.prefetch(turn, DialogueState())
    assert future is not None
    future.result(timeout=60)
    state, replies = engine.handle(DialogueState(), turn)
    assert state.mode == "idle" and replies[0].kind == "answer"
    assert model.texts == ["is rust good for backend services in a bank?"]
