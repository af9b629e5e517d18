"""The speller mends typos against the knowledge's words and leaves real words alone."""

from __future__ import annotations

import pytest

from bot.nlu.spelling import Speller, knowledge_words

# A few English words stand in for the model's vocabulary: enough to show what is protected.
ENGLISH = {"trust", "weather", "code", "nodes", "the", "best", "is", "good", "for", "must"}


@pytest.fixture(scope="module")
def speller(kb) -> Speller:
    return Speller(kb, ENGLISH)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("djnago admin?", "django admin?"),
        ("sprng boot cold start", "spring boot cold start"),
        ("fastpi or djnago", "fastapi or django"),
        ("spirngboot virtual thredas", "springboot virtual threads"),
        ("is ndoe good for full stack", "is node good for full stack"),
        ("Kubernets", "kubernetes"),
    ],
)
def test_typos_become_the_knowledge_words(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text", ["can I trust npm", "weather in paris", "the best code", "Go or Rust", "x"]
)
def test_real_words_and_short_ones_stay(speller: Speller, text: str) -> None:
    assert speller.correct(text) == text


def test_the_vocabulary_covers_names_aliases_and_uncovered_technologies(kb) -> None:
    words = knowledge_words(kb)
    assert {"django", "springboot", "quarkus", "koa", "concurrency"} <= words


def test_a_description_is_mended_towards_the_forms_words(kb, repo) -> None:
    from bot.form import load_form

    spec = load_form(repo / "intents")
    mender = Speller.for_descriptions(kb, spec, ENGLISH)
    assert mender.correct("kotiln, serverles") == "kotlin, serverless"
    assert mender.correct("pls help, javascirpt team, realtiem app") == (
        "pls help, javascript team, realtime app"
    )
    # A four-letter abbreviation is no typo of a name ("perf" is not Perl).
    assert mender.correct("go, proxy, perf") == "go, proxy, perf"


@pytest.mark.parametrize("word", ["crunches", "resized", "curators"])
def test_an_inflection_of_a_known_word_stays(kb, word: str) -> None:
    stems = {"crunch", "resize", "curator"}
    assert Speller(kb, ENGLISH | stems).correct(word) == word
