"""How-to questions about a covered framework: declined unless what they ask is in scope."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.fakes import ScriptedRetriever

from bot.dialogue.answer import Answerer, decline_elsewhere, decline_how_to, elsewhere
from bot.knowledge.mentions import uncovered_subjects, weighed_against, without_frameworks
from bot.nlu.forms import read_form
from bot.render.text import render_text
from bot.retrieval import Hit, RetrievalResult


def test_without_frameworks_cuts_framework_and_language_names(kb):
    assert without_frameworks("how do I configure CORS in Spring Boot?", kb) == (
        "how do I configure CORS in ?"
    )
    assert without_frameworks("our java lambdas with spring and django", kb) == (
        "our lambdas with and"
    )
    assert without_frameworks("nothing named here", kb) == "nothing named here"
    # Uncovered technologies too, on request: what is left is what the question asks.
    assert without_frameworks("typeorm or sequelize with express?", kb, uncovered=True) == (
        "or with ?"
    )


@pytest.mark.parametrize(
    "text",
    [
        "how do I configure CORS in Spring Boot",
        "How can we add a middleware in Django?",
        "how i can change the timezone in django",  # non-native word order
        "how to write tests for express routes",
        "best way to organise a nestjs project",
        "can you explain how django's csrf works",
    ],
)
def test_requests_for_steps_are_how_to(text):
    assert read_form(text).how_to


@pytest.mark.parametrize(
    "text",
    [
        "how do I know if FastAPI is right for us",  # a choice: the article's subject
        "how to choose between node and django",
        "how does node handle concurrency",  # how it works, not how to do something
        "how mature is spring boot",
        "is django good for a blog",
    ],
)
def test_choices_and_other_questions_are_not_how_to(text):
    assert not read_form(text).how_to


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("django static files not working in production", True),
        ("fastapi gives me 422 on post requests", True),
        ("nestjs circular dependency error", True),
        ("my express server crashed", True),
        ("spring boot won't start", True),
        ("express returns 404 for every route", True),
        ("is spring boot slow to start", False),
        ("can django serve 500 users at once", False),
        ("does django scale for a big codebase", False),
        ("node is excellent for i/o-bound apis", False),
    ],
)
def test_fault_reports_are_recognised(text, fault):
    assert read_form(text).fault is fault


def test_the_decline_says_so_first_and_offers_each_framework_once(kb):
    reply = decline_how_to(kb, ("express", "hono", "django"))
    text = render_text(reply)
    assert text.startswith("The article doesn't cover that: it compares backend frameworks")
    offers = [row[0] for row in reply.options if row[0].action == "passage"]
    # Express and Hono share their passage: one button, named for the first.
    assert [(o.label, o.value) for o in offers] == [
        ("What it says about Express", "wins.node"),
        ("What it says about Django", "wins.django"),
    ]
    named = render_text(decline_how_to(kb, ("django",), ("PostgreSQL",)))
    assert named.startswith("The article doesn't cover PostgreSQL, nor how to do that with Django")


def _result(kb, query: str, *, topical: bool, frameworks: tuple[str, ...] = ()) -> RetrievalResult:
    hits = [Hit(kb.passage("wins.spring"), 0.3)]
    return RetrievalResult(query, hits, True, False, frameworks, (), topical)


def test_a_how_to_whose_rest_is_off_topic_is_declined_without_passages(kb):
    question = "how do I configure CORS in Spring Boot"
    rest = without_frameworks(question, kb, uncovered=True)
    retriever = ScriptedRetriever(
        {
            question: _result(kb, question, topical=True, frameworks=("spring-boot",)),
            rest: _result(kb, rest, topical=False),
        },
        default=None,
    )
    answer = Answerer(kb, retriever).answer(question)
    assert retriever.queries == [rest, question]
    assert (answer.kind, answer.in_scope, answer.passages) == ("decline", False, ())
    assert "doesn't cover" in render_text(answer.reply)


@pytest.mark.parametrize(("gap", "declined"), [(0.31, True), (0.29, False)])
def test_a_framework_asked_about_as_a_product_is_declined_by_what_is_left(kb, gap, declined):
    # Cut of its name, the question sits nearer an off-topic than any passage by
    # NAMED_REST_MARGIN (0.30) or more: the article says nothing of it, the name aside.
    question = "what does a spring boot licence cost"
    rest = without_frameworks(question, kb, uncovered=True)
    found = replace(_result(kb, rest, topical=True), off_topic_gap=gap)
    retriever = ScriptedRetriever(
        {rest: found}, default=_result(kb, question, topical=True, frameworks=("spring-boot",))
    )
    answer = Answerer(kb, retriever).answer(question)
    assert (answer.kind == "decline", answer.in_scope) == (declined, not declined)
    if declined:
        assert retriever.queries == [rest]
        assert render_text(answer.reply).startswith("The article doesn't cover that")


def test_a_how_to_whose_rest_is_in_scope_is_answered(kb):
    question = "how do I avoid cold starts with Spring Boot"
    retriever = ScriptedRetriever(
        {question: _result(kb, question, topical=True, frameworks=("spring-boot",))},
        default=_result(kb, "rest", topical=True),
    )
    answer = Answerer(kb, retriever).answer(question)
    assert answer.in_scope and answer.kind != "decline"
    assert [p.id for p in answer.passages] == ["wins.spring"]


def test_a_question_naming_no_framework_is_not_searched_twice(kb):
    question = "how do I configure CORS"
    result = RetrievalResult(question, [Hit(kb.passage("wins.spring"), 0.3)], True, False)
    retriever = ScriptedRetriever({}, default=result)
    Answerer(kb, retriever).answer(question)
    assert retriever.queries == [question]


def test_a_question_naming_a_framework_declined_as_off_topic_offers_the_framework(kb):
    question = "flyway or liquibase for migrations in spring boot?"
    hits = [Hit(kb.passage("wins.spring"), 0.3)]
    declined = RetrievalResult(
        question, hits, False, False, ("spring-boot",), (), False, "database migrations"
    )
    answer = Answerer(kb, ScriptedRetriever({question: declined}, default=None)).answer(question)
    assert (answer.kind, answer.in_scope, answer.passages) == ("decline", False, ())
    text = render_text(answer.reply)
    assert "doesn't cover" in text and "Spring Boot" in text


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("when was spring boot 3 released", True),
        ("when does node 20 go end of life", True),
        ("which version of django supports async views", True),
        ("what's the default port of a spring boot app", True),
        ("which property turns on virtual threads", True),
        ("how much does it cost to host a django app", True),
        ("what is the latest version of fastapi", True),
        ("what do node developers earn", True),
        ("is django's default admin good enough for staff", False),  # a built-in
        ("is spring boot worth the memory cost", False),  # a cost in resources
        ("when does django make sense", False),  # a choice, the article's subject
        ("how much memory does spring boot use", False),  # the article speaks of footprint
        ("how many folks actually know django", False),  # the hiring pool, in words
    ],
)
def test_requests_for_facts_the_article_never_gives_are_recognised(text, fact):
    assert read_form(text).fact is fact


@pytest.mark.parametrize(
    ("text", "about"),
    [
        ("does prisma play nicely with nestjs", True),
        ("typeorm or sequelize with express?", True),
        ("can spring boot compile to a graalvm native image", True),
        ("thoughts on litestar for a new api?", True),
        ("spring boot is too sluggish for k8s autoscaling", False),
        ("startup time of java services in kubernetes", False),
        ("our react frontend needs a node backend", False),
        ("the whole team are react people", False),
        ("typed endpoints with pydantic-style models", False),
        ("is django good", False),
    ],
)
def test_an_uncovered_technology_is_the_subject_unless_it_is_context(kb, text, about):
    assert bool(uncovered_subjects(text, kb)) is about


@pytest.mark.parametrize(
    ("text", "weighed"),
    [
        ("rails or django for a content site?", True),
        ("is fastapi faster than flask", True),
        ("django vs laravel", True),
        ("express instead of koa?", True),
        ("does prisma play nicely with nestjs", False),
        ("typeorm or sequelize with express?", False),
        ("flyway or liquibase for db migrations in a spring boot app?", False),
    ],
)
def test_a_covered_framework_set_against_an_uncovered_one_is_weighed(kb, text, weighed):
    assert weighed_against(text, kb) is weighed


def test_a_framework_weighed_against_an_uncovered_one_is_answered(kb):
    question = "rails or django for a content site?"
    named = RetrievalResult(
        question,
        [Hit(kb.passage("wins.django.content"), 0.4)],
        True,
        False,
        ("django",),
        ("Ruby on Rails",),
        True,
    )
    retriever = ScriptedRetriever({question: named}, default=_result(kb, "rest", topical=False))
    answer = Answerer(kb, retriever).answer(question)
    assert answer.kind != "decline" and answer.in_scope


def test_a_question_about_an_uncovered_technology_with_a_framework_is_declined(kb):
    question = "does prisma play nicely with nestjs"
    rest = without_frameworks(question, kb, uncovered=True)
    named = RetrievalResult(
        question,
        [Hit(kb.passage("underrated.nestjs"), 0.3)],
        True,
        False,
        ("nestjs",),
        ("Prisma",),
        True,
    )
    retriever = ScriptedRetriever(
        {question: named, rest: _result(kb, rest, topical=False)}, default=None
    )
    answer = Answerer(kb, retriever).answer(question)
    assert retriever.queries == [rest, question]
    assert (answer.kind, answer.in_scope, answer.passages) == ("decline", False, ())
    text = render_text(answer.reply)
    assert text.startswith("The article doesn't cover Prisma: it compares backend frameworks")
    assert "NestJS" in text


@pytest.mark.model
def test_with_the_model_facts_and_uncovered_subjects_are_declined_context_is_not(
    kb, embedder, tmp_path
):
    from bot.retrieval import build_retriever

    answerer = Answerer(kb, build_retriever(kb, embedder, tmp_path))
    # Questions of our own, not in datasets/.
    for question in (
        "does prisma work well with nestjs?",
        "when did nestjs come out",
        "what is the latest version of fastapi",
    ):
        assert answerer.answer(question).kind == "decline", question
    for question in (
        "is spring boot worth the memory cost",  # a cost in resources: the footprint
        "how much ram does a spring boot service need",
        "our react team needs a backend",  # React is the team's context
    ):
        assert answerer.answer(question).in_scope, question


def test_a_question_the_article_answers_only_for_other_runtimes_is_declined(kb):
    hiring = (kb.passage("glance.hiring.spring-boot"), kb.passage("glance.hiring.node"))
    assert elsewhere(kb, ("go",), hiring) == ("spring-boot", "node")
    assert elsewhere(kb, ("nestjs",), hiring) == ()  # NestJS runs on Node.js
    assert elsewhere(kb, (), hiring) == ()
    assert elsewhere(kb, ("go",), (kb.passage("heuristics.throughput"), *hiring)) == ()
    text = render_text(decline_elsewhere(kb, ("go",), ("spring-boot", "node")))
    assert text.startswith(
        "The article doesn't say that of Go: what it says on it is about Spring Boot and Node.js."
    )
