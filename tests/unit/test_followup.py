"""Follow-up resolution (bot.nlu.followup) on the real knowledge base: pure, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.advisor import Advisor
from bot.datafile import DataError
from bot.form import load_form
from bot.knowledge import KnowledgeBase
from bot.nlu.followup import Resolution, Resolver, load_followups
from bot.replies import Subject


@pytest.fixture(scope="module")
def resolver(kb: KnowledgeBase, repo: Path) -> Resolver:
    return Resolver(kb, load_followups(repo / "intents"))


AFTER_DJANGO = Subject(
    frameworks=["django"], question="is django good for realtime chat?", kind="answer"
)
AFTER_PICK = Subject(frameworks=["django"], pick="django", runner_up="fastapi", kind="pick")
AFTER_FASTAPI_THEN_DJANGO = Subject(
    frameworks=["django"], previous=["fastapi"], question="django's admin is built in right",
    kind="answer",
)  # fmt: skip
AFTER_PAIR = Subject(
    frameworks=["node", "django"], pair=["node", "django"], question="node vs django",
    kind="comparison",
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "subject", "expected"),
    [
        # ellipsis: the framework swapped into the last question
        (
            "and what about node?",
            AFTER_DJANGO,
            Resolution("ask", "is Node.js good for realtime chat?", ("node",)),
        ),
        (
            "and the spring boot, which one?",  # "which one" asks what the last one asked
            AFTER_DJANGO,
            Resolution("ask", "is Spring Boot good for realtime chat?", ("spring-boot",)),
        ),
        (
            "same for spring boot?",
            AFTER_DJANGO,
            Resolution("ask", "is Spring Boot good for realtime chat?", ("spring-boot",)),
        ),
        (
            "node?",
            AFTER_DJANGO,
            Resolution("ask", "is Node.js good for realtime chat?", ("node",)),
        ),
        # ellipsis: a new aspect for the carried framework
        (
            "and for hiring?",
            AFTER_DJANGO,
            Resolution("ask", "is django good for hiring?", ("django",)),
        ),
        ("and auth too?", AFTER_DJANGO, Resolution("ask", "auth for Django?", ("django",))),
        (
            "main strength?",
            AFTER_DJANGO,
            Resolution("ask", "main strength for Django?", ("django",)),
        ),
        (
            "ok so is it mature",
            AFTER_DJANGO,
            Resolution("ask", "is Django mature", ("django",), referred=True),
        ),
        # pronouns: the question points at the framework (never the form's answer)
        (
            "is it hard to hire for?",
            AFTER_PICK,
            Resolution("ask", "is Django hard to hire for?", ("django",), referred=True),
        ),
        (
            "what are its weaknesses?",
            AFTER_DJANGO,
            Resolution("ask", "what are Django's weaknesses?", ("django",), referred=True),
        ),
        (
            "are they mature?",
            AFTER_PAIR,
            Resolution("ask", "are Node.js and Django mature?", ("node", "django"), referred=True),
        ),
        # a comparison that says no more than how: on the last question's aspect
        (
            "is it bigger or smaller than node's?",
            Subject(frameworks=["django"], question="what about django's hiring", kind="answer"),
            Resolution(
                "compare",
                "what about django's hiring is Django bigger or smaller than node's?",
                ("django", "node"),
            ),
        ),
        # one framework in view, another before it
        (
            "and the other one, what's it good at",
            AFTER_FASTAPI_THEN_DJANGO,
            Resolution("ask", "and FastAPI, what's it good at", ("fastapi",), referred=True),
        ),
        (
            "going back to the first one, what are its weak spots?",
            AFTER_FASTAPI_THEN_DJANGO,
            Resolution(
                "ask",
                "going back to FastAPI, what are its weak spots?",
                ("fastapi",),
                referred=True,
            ),
        ),
        (
            "how do the two stack up against each other?",
            AFTER_FASTAPI_THEN_DJANGO,
            Resolution(
                "compare",
                "how do FastAPI and Django stack up against each other?",
                ("fastapi", "django"),
            ),
        ),
        # a carried comparison
        (
            "compare it with node",
            AFTER_PICK,
            Resolution("compare", "compare Django with node", ("django", "node")),
        ),
        (
            "is node as mature?",
            AFTER_DJANGO,
            Resolution(
                "compare",
                "is django good for realtime chat? is node as mature?",
                ("django", "node"),
            ),
        ),
        (
            "which of the two is easier to hire for?",
            AFTER_PAIR,
            Resolution(
                "compare", "which of Node.js and Django is easier to hire for?", ("node", "django")
            ),
        ),
        # questions about the pick
        (
            "why not fastapi?",
            AFTER_PICK,
            Resolution("why_not", "why Django and not FastAPI?", ("django", "fastapi")),
        ),
        (
            "why not just rewrite the whole thing in go then",  # lower-case "go" after "in"
            AFTER_PICK,
            Resolution("why_not", "why Django and not Go?", ("django", "go")),
        ),
        (
            "why django and not spring boot?",
            AFTER_PICK,
            Resolution("why_not", "why Django and not Spring Boot?", ("django", "spring-boot")),
        ),
        (
            "what about nestjs?",
            AFTER_PICK,
            Resolution("why_not", "why Django and not NestJS?", ("django", "nestjs")),
        ),
    ],
)
def test_a_follow_up_becomes_the_standalone_question_it_stands_for(
    resolver: Resolver, text: str, subject: Subject, expected: Resolution
) -> None:
    assert resolver.resolve(text, subject) == expected


@pytest.mark.parametrize(
    ("text", "unframed"),
    [
        ("ok so is it mature", "is it mature"),
        ("Priya: @advisor_bot and fastapi?", "and fastapi?"),  # a pasted speaker's name
        ("Django: is it mature?", "Django: is it mature?"),  # a name that is a framework's
    ],
)
def test_the_opening_words_and_a_speakers_name_are_read_past(
    resolver: Resolver, text: str, unframed: str
) -> None:
    assert resolver.unframed(text) == unframed


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # names its own subject and says what it asks: asked alone
        ("does spring boot have a steep learning curve?", AFTER_DJANGO),
        ("and is fastapi good for async apis?", AFTER_DJANGO),
        # a statement is a fact about the team, for the form to read
        ("it will run on Lambda", AFTER_PICK),
        ("actually we know Kotlin", AFTER_PICK),
        ("what if it ran on AWS Lambda?", AFTER_PICK),
        # nothing to carry over
        ("is it hard to hire for?", Subject()),
    ],
)
def test_a_message_that_stands_alone_resolves_to_nothing(
    resolver: Resolver, text: str, subject: Subject
) -> None:
    assert resolver.resolve(text, subject) is None


def test_followup_words_are_validated_with_file_and_line(tmp_path: Path, repo: Path) -> None:
    text = (repo / "intents" / "followups.yaml").read_text()
    (tmp_path / "followups.yaml").write_text(text.replace("  possessive: [its]\n", ""))
    with pytest.raises(DataError, match=r"followups.yaml:\d+: missing required field"):
        load_followups(tmp_path)
    # YAML reads a bare `on` as true: the loader says so instead of matching "True".
    (tmp_path / "followups.yaml").write_text(text.replace('"on"', "on"))
    with pytest.raises(DataError, match=r"followups.yaml:\d+: fillers: 'True' is no word"):
        load_followups(tmp_path)


def test_why_not_gives_the_criteria_the_pick_won_and_what_would_flip_it(
    kb: KnowledgeBase, repo: Path
) -> None:
    advisor = Advisor(kb, load_form(repo / "intents"))
    slots = {"team_language": "python", "workload": "content", "team_size": "small"}
    why = advisor.why_not("node", slots)
    assert why.pick.id == "django" and not why.ruled_out
    criteria = {edge.criterion for edge in why.won}
    assert "team skills" in criteria
    assert all(edge.pick_points > edge.other_points for edge in why.won)
    assert all(reason.source in kb.by_id for edge in why.won for reason in edge.reasons)
    assert why.flip is not None and why.flip.pick == "node"
    assert why.flip.slot == "team_language"


def test_why_not_a_framework_ruled_out_says_so(kb: KnowledgeBase, repo: Path) -> None:
    advisor = Advisor(kb, load_form(repo / "intents"))
    slots = {"team_language": "python", "workload": "content"}
    why = advisor.why_not("node", slots, excluded=["node"])
    assert why.ruled_out == "You ruled Node.js out."
