"""Conversation tests: tests/conversations/*.yaml run through the real engine and model."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.conversations import check_state

from bot.dialogue import Engine
from bot.form import load_form
from bot.nlu import IntentClassifier
from bot.render.text import render_text
from bot.replies import DialogueState, Option, Turn

CONVERSATIONS = Path(__file__).resolve().parent.parent / "conversations"


def _cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(CONVERSATIONS.glob("*.yaml")):
        for conv in yaml.safe_load(path.read_text())["conversations"]:
            cases.append((f"{path.stem}: {conv['name']}", conv))
    return cases


@pytest.fixture(scope="session")
def engine(kb, embedder, repo, tmp_path_factory) -> Engine:
    from bot.embedding.files import common_words, vocabulary
    from bot.nlu import DescriptionReader
    from bot.nlu.spelling import Speller
    from bot.retrieval import build_retriever

    spec = load_form(repo / "intents")
    cache = tmp_path_factory.mktemp("index")
    retriever = build_retriever(kb, embedder, cache)
    classifier = IntentClassifier(spec, embedder, cache)
    speller = Speller(kb, vocabulary(), common=common_words())
    mender = Speller.for_descriptions(kb, spec, vocabulary())
    reader = DescriptionReader(spec, kb, embedder, cache, mender)
    return Engine(kb, spec, embedder, retriever, classifier, speller=speller, reader=reader)


def _turn(spec: dict, state: DialogueState) -> Turn:
    if "user" in spec:
        return Turn(text=spec["user"])
    if "command" in spec:
        return Turn(command=spec["command"], text=spec.get("text", ""))
    tap = spec["tap"]
    option = Option("x", tap["action"], tap.get("slot"), tap.get("value"))
    if tap["action"] == "skip" and option.slot is None:
        option = Option("Skip", "skip", state.requested_slot)
    return Turn(option=option, step=tap.get("step", state.step))


@pytest.mark.model
@pytest.mark.parametrize(("name", "conv"), _cases(), ids=[c[0] for c in _cases()])
def test_conversation(name: str, conv: dict, engine: Engine) -> None:
    state, replies = DialogueState(), []
    for n, spec in enumerate(conv["turns"], 1):
        if spec.get("finish"):
            for _ in range(10):  # skip whatever is left; the form never has more slots
                if state.mode != "form":
                    break
                skip = Option("Skip", "skip", state.requested_slot)
                state, replies = engine.handle(state, Turn(option=skip, step=state.step))
        else:
            state, replies = engine.handle(state, _turn(spec, state))
        text = "\n".join(render_text(r) for r in replies)
        where = f"{name}, turn {n}: {spec}\n--- state {state.model_dump()}\n--- replies\n{text}"
        expect = spec.get("expect", {})
        check_state(state, expect, where)
        if "pick" in expect:
            rec = next(r for r in replies if r.kind == "recommendation")
            name_ = engine.kb.frameworks[state.last_pick].name
            assert rec.parts[0].text == f"Recommendation: {name_}", where
        if "not_pick" in expect:
            assert state.last_pick and state.last_pick not in expect["not_pick"], where
        for fragment in expect.get("says", []):
            assert fragment.lower() in text.lower(), where
