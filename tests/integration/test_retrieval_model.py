"""Retrieval with the real MiniLM model: answers, scope, the cache, and the eval targets."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.fakes import CountingEmbedder

from bot.evaluation.retrieval import SPLITS, evaluate, load_questions, score_questions
from bot.retrieval import build_retriever
from bot.retrieval.cache import cache_path, index_rows
from bot.retrieval.fusion import BASELINES

pytestmark = pytest.mark.model

# The answer path's ratchets on dev (390 in scope, 197 out), at what it measured: 0.856 hit@1,
# 0.944 hit@3, 0.023 in scope declined, 0.944 out of scope declined. The 12 questions about a
# covered framework as a product (licence, docs, Windows...) that joined with issue 20 are 7 of
# 12 declined; the 185 before them are unchanged at 0.968. Raise them with each gain.
DEV_HIT1 = 0.855
DEV_HIT3 = 0.94
DEV_DECLINED_INSIDE = 0.024
DEV_DECLINED_OUTSIDE = 0.94


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="module")
def retriever(kb, embedder, index_dir):
    return build_retriever(kb, embedder, index_dir)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("is node bad for cpu heavy work", "wins.node.watch.cpu"),
        ("does django have an admin panel", "wins.django.batteries"),
        ("JVM framework that starts faster than Spring Boot", "underrated.quarkus"),
        ("we need raw throughput on simple http services", "heuristics.throughput"),
    ],
)
def test_the_real_model_finds_the_passage_that_answers(retriever, question, expected):
    result = retriever.search(question)
    assert result.in_scope
    assert result.hits[0].passage.id == expected
    assert 0 < result.hits[0].score <= 1


@pytest.mark.parametrize("question", ["what's the weather?", "tell me a joke", "how tall is K2"])
def test_off_topic_questions_are_out_of_scope(retriever, question):
    assert not retriever.search(question).in_scope


def test_search_many_matches_search(retriever):
    questions = ["spring boot learning curve", "is fastapi async"]
    many = retriever.search_many(questions)
    for question, result in zip(questions, many, strict=True):
        single = retriever.search(question)
        assert [h.passage.id for h in result.hits] == [h.passage.id for h in single.hits]
        assert [h.score for h in result.hits] == pytest.approx([h.score for h in single.hits])


def test_a_restart_reads_the_cache_and_an_edit_re_encodes(retriever, kb, embedder, index_dir):
    counting = CountingEmbedder(embedder)
    assert cache_path(index_dir, embedder.name, kb.content_hash).is_file()
    restarted = build_retriever(kb, counting, index_dir)
    assert counting.texts == []  # the restart encoded nothing
    assert (restarted.vectors == retriever.vectors).all()
    build_retriever(replace(kb, content_hash="edited00edited00"), counting, index_dir)
    assert len(counting.texts) == len(index_rows(kb)[0])  # every passage and every gloss


def test_hybrid_holds_its_measured_figures(retriever, repo):
    questions = [
        q
        for split in ("dev", "test")
        for q in load_questions(repo / "datasets" / f"questions.{split}.yaml", retriever.kb)
    ]
    scored = score_questions(retriever, questions)
    # Fusion is chosen on dev, so it must beat its parts there, and the floors are ratchets on
    # dev at what it measured (raised with each gain). The test split is frozen and
    # blind-written: eval prints it, CI asserts no minimum on it (a dev/test gap is a finding).
    dev = [s for s in scored if s.question.split == "dev"]
    metrics = {name: evaluate(f, dev, retriever) for name, f in BASELINES.items()}
    assert metrics["hybrid"].mrr10 > metrics["bm25"].mrr10
    assert metrics["hybrid"].mrr10 > metrics["dense"].mrr10
    assert metrics["hybrid"].hit3 >= 0.96  # 0.961 on 388 in scope
    # 0.660 on 197: the 14 uncovered technologies (issue 21) and the 12 frameworks-as-products
    # questions (issue 20) dev gained are declined by the answer path, by name or by what is
    # left without the names, not by the ranking's own threshold (0.749 on the 171 before).
    assert metrics["hybrid"].oos_accuracy >= 0.655
    assert set(SPLITS) == {s.question.split for s in scored}


def test_the_eval_report_shows_every_method_on_both_splits(retriever, repo):
    from bot.evaluation.retrieval import report

    text = report(retriever, sorted((repo / "datasets").glob("questions.*.yaml")))
    header = next(line for line in text.splitlines() if line.startswith("split"))
    for column in ("hit@1", "hit@3", "MRR@10", "oos-acc"):
        assert column in header
    rows = [line.split()[:2] for line in text.splitlines() if line.startswith(("dev ", "test "))]
    assert rows == [[s, m] for s in ("dev", "test") for m in ("bm25", "dense", "hybrid")]
    # Which family wins on dev moves with the data (min-max convex by 0.006 MRR@10 since the
    # glosses); convex ships for its scope threshold, so only the search is asserted.
    assert "dev picks: " in text and "shipped:   convex" in text


def test_the_answers_hold_their_measured_figures(retriever, repo):
    """The whole answer path on the dev split: ratchets at what it measured.

    The frozen test split gets no floor here: eval prints it, and a dev/test gap is a finding.
    """
    from bot.dialogue.answer import Answerer
    from bot.embedding.files import common_words, vocabulary
    from bot.evaluation import answers
    from bot.nlu.spelling import Speller

    kb = retriever.kb
    questions = load_questions(repo / "datasets" / "questions.dev.yaml", kb)
    outcomes = answers.judge(
        Answerer(kb, retriever, Speller(kb, vocabulary(), common=common_words())), questions
    )
    inside = answers.figures([o for o in outcomes if o.question.in_scope])
    outside = answers.figures([o for o in outcomes if not o.question.in_scope])
    assert inside.hit1 is not None and inside.hit1 >= DEV_HIT1
    assert inside.hit3 is not None and inside.hit3 >= DEV_HIT3
    assert inside.declined <= DEV_DECLINED_INSIDE
    assert outside.declined >= DEV_DECLINED_OUTSIDE


# Questions of our own (not in datasets/) about backend topics the article never discusses that
# clear the fused score's bar on generic words ("api", "servers"), and in-scope ones that name no
# framework either.
@pytest.mark.parametrize(
    "question",
    [
        "what is a service mesh and do we need one for our apis",
        "how do we do zero downtime deploys of our api servers",
    ],
)
def test_near_domain_topics_the_article_never_discusses_are_declined(retriever, question):
    result = retriever.search(question)
    assert not result.in_scope
    assert result.off_topic is not None


@pytest.mark.parametrize(
    "question",
    [
        "what should we weigh when choosing a backend",
        "is a single-threaded event loop fine for an api that mostly waits on other services",
        "how easy is it to recruit developers for each of them",
    ],
)
def test_in_scope_questions_naming_no_framework_stay_answered(retriever, question):
    result = retriever.search(question)
    assert result.in_scope and result.off_topic is None
