"""The engine with a fake embedder and retriever: robustness and the button contract."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from support.fakes import FakeEmbedder

from bot.dialogue import Engine
from bot.dialogue.answer import Answer, Answerer
from bot.dialogue.messages import info
from bot.form import load_form
from bot.replies import DialogueState, Option, Reply, Turn


@dataclass
class FakeResult:
    query: str
    hits: list
    in_scope: bool = True
    close_call: bool = False


class FakeRetriever:
    def __init__(self) -> None:
        self.queries: list[str] = []

    def search(self, query, k=3, *, vector=None):
        self.queries.append(query)
        return FakeResult(query, [])

    def relevance(self, query, vector=None):
        return {}


class FakeAnswerer:
    """Answers every question with "answer to <question>"; compares as the real one does."""

    speller = None

    def __init__(self, kb) -> None:
        self.real = Answerer(kb, FakeRetriever())

    def answer(self, text, vector=None, k=3) -> Answer:
        return Answer(text, info(f"answer to {text}"), "answer", True)

    def comparison(self, first, second, question=""):
        return self.real.comparison(first, second, question)


@pytest.fixture(scope="module")
def engine(kb, repo) -> Engine:
    spec = load_form(repo / "intents")
    return Engine(
        kb,
        spec,
        FakeEmbedder(),
        FakeRetriever(),
        answerer=FakeAnswerer(kb),  # type: ignore[arg-type]
        compose_passage=lambda kb, pid: info(pid),
    )


def _all_labels(replies: list[Reply]) -> list[Option]:
    return [o for r in replies for row in r.options for o in row]


@pytest.mark.parametrize(
    "turn",
    [
        Turn(text=""),
        Turn(text="x" * 5000),
        Turn(command="frobnicate"),
        Turn(option=Option("x", "answer", "team_language", "cobol"), step=1),
        Turn(option=Option("x", "answer", "no_such_slot", "python"), step=1),
        Turn(option=Option("x", "launch", None, None), step=1),  # type: ignore[arg-type]
        Turn(option=Option("x", "passage", None, "no.such.passage"), step=1),
        Turn(option=Option("x", "change", "nope"), step=1),
    ],
)
def test_bad_input_gets_a_reply_and_leaves_state_alone(
    engine: Engine, turn: Turn, caplog: pytest.LogCaptureFixture
) -> None:
    state, _ = engine.handle(DialogueState(), Turn(command="recommend"))
    with caplog.at_level(logging.INFO):
        new, replies = engine.handle(state, turn)  # a failure would raise here
    assert replies
    if turn.text != "x" * 5000:
        assert new == state
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    shown = " ".join(p.text for r in replies for p in r.parts).lower()
    assert "sorry" not in shown and "went wrong" not in shown, shown


class BrokenRetriever(FakeRetriever):
    def search(self, query, k=3, *, vector=None):
        raise RuntimeError("index unreadable")


def test_a_failure_raises_and_leaves_the_callers_state_as_it_was(kb, repo) -> None:
    """One error path: the engine raises, the adapter apologises and keeps its state."""
    spec = load_form(repo / "intents")
    engine = Engine(kb, spec, FakeEmbedder(), BrokenRetriever())
    state, _ = engine.handle(DialogueState(), Turn(command="recommend"))
    before = state.model_copy(deep=True)
    with pytest.raises(RuntimeError, match="index unreadable"):
        engine.handle(state, Turn(command="ask", text="does django have an admin?"))
    assert state == before


def test_stale_button_expires(engine: Engine) -> None:
    state, _ = engine.handle(DialogueState(), Turn(command="recommend"))
    old_step = state.step
    state, _ = engine.handle(
        state, Turn(option=Option("Python", "answer", "team_language", "python"), step=old_step)
    )
    assert state.step > old_step
    new, replies = engine.handle(
        state, Turn(option=Option("Go", "answer", "team_language", "go"), step=old_step)
    )
    assert new == state
    assert replies[0].parts[0].text == "This button has expired."
    assert replies[-1].kind == "question"


def test_buttons_fit_telegram_limits(engine: Engine) -> None:
    state, replies = engine.handle(DialogueState(), Turn(command="start"))
    assert [o.value for o in _all_labels(replies)] == ["recommend", "ask", "compare"]
    state, replies = engine.handle(state, Turn(command="recommend"))
    for _ in range(8):
        for option in _all_labels(replies):
            assert len(option.label) <= 32
            if option.action == "share":  # switch_inline_query: an inline query, 256 at most
                assert len(option.value or "") <= 256
                continue
            data = f"{option.action}:{option.slot or ''}:{option.value or ''}:{state.step}"
            assert len(data.encode()) <= 64
        if state.mode != "form":
            break
        state, replies = engine.handle(
            state, Turn(option=Option("Skip", "skip", state.requested_slot), step=state.step)
        )
    rec = replies[-1]
    assert rec.kind == "recommendation"
    assert rec.parts[0].text.startswith("Recommendation: ")
    assert rec.scores
    actions = {o.action for o in _all_labels([rec])}
    assert actions == {"change", "restart", "chart", "record", "share"}


def test_needs_model(engine: Engine) -> None:
    assert engine.needs_model(Turn(text="we are a Python team"))
    assert not engine.needs_model(Turn(text="skip"))
    assert not engine.needs_model(Turn(option=Option("x", "skip")))
    assert not engine.needs_model(Turn(command="recommend"))
    # /recommend TEXT reads the needs stated in TEXT, in any words: that takes the model.
    assert engine.needs_model(Turn(command="recommend", text="python team"))
    assert engine.needs_model(Turn(command="ask", text="does Django have an admin?"))


def test_command_recommend_prefills(engine: Engine) -> None:
    state, replies = engine.handle(
        DialogueState(), Turn(command="recommend", text="three Python devs, content-heavy site")
    )
    assert state.slots == {"team_language": "python", "team_size": "small", "workload": "content"}
    assert "Here's what I understood:" in replies[0].parts[0].text


def test_state_round_trips_through_plain_data(engine: Engine) -> None:
    state, _ = engine.handle(DialogueState(), Turn(command="recommend", text="not Java, Python"))
    assert DialogueState.model_validate(state.model_dump()) == state
    assert state.slots == {"team_language": "python"}


def test_change_without_slot_lists_answers(engine: Engine) -> None:
    state, _ = engine.handle(DialogueState(), Turn(command="recommend", text="Python, CMS"))
    _, replies = engine.handle(state, Turn(option=Option("Change", "change"), step=0))
    slots = [o.slot for o in _all_labels(replies)]
    assert set(slots) == set(state.slots)


def test_sources_and_compare_commands(engine: Engine) -> None:
    _, replies = engine.handle(DialogueState(), Turn(command="sources"))
    text = " ".join(p.text for p in replies[0].parts)
    assert "Where Each Wins" in text and "Decision Heuristics" in text
    _, replies = engine.handle(
        DialogueState(), Turn(command="compare", text="Django vs Spring Boot")
    )
    assert replies[0].kind == "comparison"
    assert replies[0].parts[0].text == "Django vs Spring Boot"


def test_the_record_button_gives_the_decision_record_and_is_safe_to_replay(
    engine: Engine,
) -> None:
    record = Option("Decision record", "record")
    state, replies = engine.handle(DialogueState(), Turn(option=record, step=0))
    assert replies[0].parts[0].text == "No recommendation yet: /recommend first."
    state, _ = engine.handle(
        DialogueState(),
        Turn(command="recommend", text="three Python devs, content-heavy site, for years"),
    )
    while state.mode == "form":
        skip = Option("Skip", "skip", state.requested_slot)
        state, _ = engine.handle(state, Turn(option=skip, step=state.step))
    # Pressed from an older message: the record of the current pick, not "expired".
    new, replies = engine.handle(state, Turn(option=record, step=state.step - 1))
    assert new == state
    (document,) = replies
    assert document.kind == "document"
    assert document.file_name == f"decision-{state.last_pick}.md"
    assert document.parts[0].text.startswith("Decision: ")
    context = [p.text for p in document.parts if p.style == "bullet"]
    assert 'Workload: Content / CRUD / data (from "content-heavy")' in context


def test_the_words_an_answer_came_from_go_when_the_answer_changes(engine: Engine) -> None:
    state, _ = engine.handle(
        DialogueState(), Turn(command="recommend", text="three Python devs, content-heavy site")
    )
    assert state.said["team_language"] == "Python"
    state, _ = engine.handle(
        state, Turn(option=Option("Change", "change", "team_language"), step=state.step)
    )
    assert "team_language" not in state.said
    state, _ = engine.handle(
        state, Turn(option=Option("Go", "answer", "team_language", "go"), step=state.step)
    )
    assert state.slots["team_language"] == "go" and "team_language" not in state.said
    assert state.said["workload"] == "content-heavy"


@pytest.mark.parametrize(
    "turn", [Turn(command="forget"), Turn(command="restart"), Turn(command="cancel")]
)
def test_forget_start_over_and_cancel_clear_the_subject(engine: Engine, turn: Turn) -> None:
    from bot.replies import Subject

    state = DialogueState(
        mode="done",
        last_pick="django",
        slots={"team_language": "python"},
        subject=Subject(frameworks=["django"], question="is django mature?", pick="django"),
    )
    after, _ = engine.handle(state, turn)
    assert after.subject == Subject()


def test_a_follow_up_question_after_a_pick_changes_no_answer(engine: Engine) -> None:
    from bot.replies import Subject

    slots = {"team_language": "python", "workload": "content", "team_size": "small"}
    state = DialogueState(
        mode="done",
        last_pick="django",
        slots=dict(slots),
        subject=Subject(frameworks=["django"], pick="django", runner_up="fastapi", kind="pick"),
    )
    after, replies = engine.handle(state, Turn(text="compare it with node"))
    assert after.slots == slots and after.last_pick == "django"
    assert replies[0].kind == "comparison"
    assert after.subject.pair == ["django", "node"]
    after, replies = engine.handle(state, Turn(text="why not fastapi?"))
    assert after.slots == slots
    assert replies[0].answered is not None
    assert replies[0].answered.kind == "why_not"
    assert replies[0].answered.frameworks == ("django", "fastapi")
