"""Technologies the article doesn't cover: named as the user wrote them, and found where no
catalogue lists them (issue 21). No model: a few English words stand in for its vocabulary."""

from __future__ import annotations

import pytest
from support.fakes import ScriptedRetriever

from bot.dialogue.answer import Answerer
from bot.knowledge.mentions import mentioned_uncovered
from bot.nlu.names import unknown_technologies
from bot.nlu.spelling import Speller
from bot.render.text import render_text
from bot.retrieval import Hit, RetrievalResult

# Everyday words, and rarer ones that are English all the same ("vapor", "bun", "encore").
COMMON = frozenset({"cost", "community", "size", "time", "security", "money", "support"})
ENGLISH = COMMON | {"vapor", "bun", "encore", "convex", "gleam", "reliability", "sharing"}


@pytest.fixture(scope="module")
def speller(kb) -> Speller:
    return Speller(kb, ENGLISH, common=COMMON)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("is pocketbase production ready?", "pocketbase"),  # listed under Appwrite
        ("is valkey a drop-in for our cache?", "valkey"),  # listed under Redis
        ("is PocketBase production ready?", "PocketBase"),  # as typed
        ("is postgres ok for this?", "PostgreSQL"),  # a form of the name: the name
        ("should we build our API with Koa?", "Koa"),
        ("koa.js or express?", "Koa"),
    ],
)
def test_an_uncovered_technology_is_named_as_the_user_wrote_it_unless_its_alias_is_a_form_of_it(
    kb, text, name
):
    assert [n for n, _ in mentioned_uncovered(text, kb)] == [name]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("is vapor ready for production web services?", ["vapor"]),
        ("is bun stable enough for production apis?", ["bun"]),
        ("is gofr production ready?", ["gofr"]),  # no English word
        ("Is Gleam ready for backend work?", ["Gleam"]),  # capitalised inside the sentence
        ("would Nitro be a good fit for edge functions?", ["Nitro"]),
        ("encore or salvo, which is faster for a json api?", ["encore", "salvo"]),
        ("vapor or django for a content-heavy site?", ["vapor"]),
        # Everyday words, qualities and activities, words of the article, frameworks,
        # catalogued technologies and people are no unknown technology.
        ("is cost a good reason to avoid the heavy jvm framework?", []),
        ("is reliability in production proven for all three?", []),
        ("is sharing types between client and server worth it?", []),
        ("is realtime something one of these is good at?", []),
        ("is startup time a problem on the jvm?", []),
        ("are npm packages trustworthy", []),
        ("is django good for a blog", []),
        ("is deno ready for production backends yet", []),
        ("should we pick nestjs or fastify?", []),
        ("can we use the same language on the frontend and the backend?", []),
        ("Is It Worth Learning Spring Boot In 2026?", []),  # title case says nothing
    ],
)
def test_the_technology_a_question_asks_about_is_found_without_a_catalogue(
    kb, speller, text, found
):
    assert [word for _, _, word in unknown_technologies(text, kb, speller)] == found


def _result(kb, query: str, frameworks: tuple[str, ...] = (), topical: bool = True):
    hits = [Hit(kb.passage("bottom-line.production"), 0.5)]
    return RetrievalResult(query, hits, True, False, frameworks, (), topical)


def test_a_question_about_a_technology_no_catalogue_lists_is_declined_by_its_name(kb, speller):
    question = "is vapor ready for production web services?"
    retriever = ScriptedRetriever({}, default=_result(kb, question))
    answer = Answerer(kb, retriever, speller).answer(question)
    assert retriever.queries == []  # "all three are production-grade" says nothing of it
    assert (answer.kind, answer.in_scope, answer.answer_line) == ("decline", False, None)
    assert render_text(answer.reply).startswith("The article doesn't cover vapor.")


def test_with_a_framework_as_context_the_answer_has_no_line_about_that_framework(kb, speller):
    # "is salvo mature enough for a rust api?" asks about Salvo, not Rust: what is left once
    # the names are cut ("is mature enough for a api?") is in scope, so the article's word on
    # the rest is shown, saying what it leaves out, and no verdict on Rust.
    question = "is salvo mature enough for a rust api?"
    retriever = ScriptedRetriever({}, default=_result(kb, question, ("rust",)))
    answer = Answerer(kb, retriever, speller).answer(question)
    assert retriever.queries == ["is mature enough for a api?", question]
    assert answer.in_scope and answer.answer_line is None
    assert render_text(answer.reply).startswith(
        "The article doesn't cover salvo: this answers the rest."
    )


def test_a_covered_framework_set_against_an_unknown_one_keeps_its_answer(kb, speller):
    question = "vapor or django for a content-heavy site?"
    result = RetrievalResult(
        question, [Hit(kb.passage("wins.django.content"), 0.5)], True, False, ("django",)
    )
    rest = "or for a content-heavy site?"
    retriever = ScriptedRetriever({question: result}, default=_result(kb, rest))
    answer = Answerer(kb, retriever, speller).answer(question)
    assert retriever.queries == [rest, question]  # what is left without the names, first
    assert answer.in_scope and answer.kind == "answer"
    assert "The article doesn't cover vapor: this answers the rest." in render_text(answer.reply)
