"""Retrieval without the model: tokenizer, fusion, the index cache, answers, the question set."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.datafile import DataError
from bot.dialogue.answer import MAX_ANSWER_CHARS, compose_answer, compose_passage, option_label
from bot.evaluation.retrieval import load_questions
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.knowledge.mentions import mentioned_frameworks
from bot.render.text import render_text
from bot.replies import Reply
from bot.retrieval import Fusion, Hit, RetrievalResult, build_retriever
from bot.retrieval.cache import cache_path, index_rows, passage_vectors
from bot.retrieval.fusion import minmax, pooled, rrf, saturate
from bot.retrieval.off_topic import nearest_off_topic
from bot.retrieval.sparse import SparseIndex, tokenize
from bot.text import stem


class FakeEmbedder:
    """Bag-of-words vectors (hashed), normalised; counts what it encodes."""

    name = "fake-embedder"
    dim = 64

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def test_tokenize_folds_case_plurals_and_stopwords():
    tokens = tokenize("What are the downsides of Node.js for APIs?")
    assert tokens == tokenize("downside node JS api")
    assert len(tokens) == 4  # "what", "are", "the", "of", "for" say nothing
    assert stem("hiring") == stem("hire") == stem("hired")
    assert stem("spring") == "spring"  # a stem keeps a vowel
    assert stem("libraries") == "library"


def test_sparse_index_scores_shared_words_and_zero_otherwise():
    index = SparseIndex(["Django admin and ORM", "Node.js event loop", "Spring Boot threads"])
    scores = index.scores("does django have an admin?")
    assert scores.argmax() == 0 and scores[1] == scores[2] == 0
    assert not index.scores("the weather").any()
    assert not index.scores("").any()


def test_fusion_functions():
    bm25 = np.array([0.0, 4.0, 12.0], dtype=np.float32)
    assert saturate(bm25, 4.0).tolist() == pytest.approx([0.0, 0.5, 0.75])
    assert minmax(bm25).tolist() == pytest.approx([0.0, 1 / 3, 1.0])
    dense = np.array([0.9, 0.1, 0.5], dtype=np.float32)
    fused = rrf(dense, bm25, k=60)
    assert fused.max() <= 1.0 and fused.argmax() == 2  # second in one list, first in the other
    convex = Fusion(method="convex", alpha=0.5, bm25_half=4.0).scores(dense, bm25)
    assert convex.tolist() == pytest.approx([0.45, 0.3, 0.625])


def test_ranking_averages_a_passages_closest_phrasings_and_scope_reads_the_closest():
    # Passage 0 has one lucky phrasing; passage 1 is near the question in all four of its own;
    # passage 2 has only two phrasings (NaN pads its row) and averages the ones it has.
    nan = float("nan")
    dense = np.array(
        [[0.9, 0.2, 0.2, 0.2], [0.7, 0.7, 0.7, 0.7], [0.5, 0.3, nan, nan]], dtype=np.float32
    )
    bm25 = np.zeros(3, dtype=np.float32)
    assert pooled(dense, 1).tolist() == pytest.approx([0.9, 0.7, 0.5])
    assert pooled(dense, 4).tolist() == pytest.approx([0.375, 0.7, 0.4])
    closest = Fusion(method="convex", alpha=0.5, bm25_half=4.0)
    assert closest.scores(dense, bm25).argmax() == 0
    agreed = closest.with_(pool=4, alpha=0.6, scope_alpha=0.5)
    fused = agreed.scores(dense, bm25)
    assert fused.argmax() == 1
    # One phrasing close to the question is enough to be in scope: 0.5 * 0.9, not 0.6 * 0.7.
    assert agreed.scope_score(dense, bm25, fused) == pytest.approx(0.45)


def test_cache_hit_skips_encoding_and_an_edit_invalidates(kb, tmp_path):
    embedder = FakeEmbedder()
    rows = len(index_rows(kb)[0])  # every passage's text, then its glosses
    vectors, cached = passage_vectors(kb, embedder, tmp_path)
    assert not cached and embedder.calls == [rows]
    path = cache_path(tmp_path, embedder.name, kb.content_hash)
    assert path.is_file() and kb.content_hash in path.name and "fake-embedder" in path.name
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind

    again, cached = passage_vectors(kb, embedder, tmp_path)
    assert cached and embedder.calls == [rows]
    np.testing.assert_array_equal(again, vectors)

    edited = replace(kb, content_hash="0123456789abcdef")
    _, cached = passage_vectors(edited, embedder, tmp_path)
    assert not cached and len(embedder.calls) == 2
    assert cache_path(tmp_path, embedder.name, "0123456789abcdef").is_file()


def test_a_corrupt_cache_file_is_rebuilt(kb, tmp_path):
    embedder = FakeEmbedder()
    path = cache_path(tmp_path, embedder.name, kb.content_hash)
    path.write_bytes(b"not a numpy file")
    vectors, cached = passage_vectors(kb, embedder, tmp_path)
    assert not cached and vectors.shape == (len(index_rows(kb)[0]), embedder.dim)
    assert passage_vectors(kb, embedder, tmp_path)[1]


@pytest.fixture
def fake_retriever(kb, tmp_path):
    return build_retriever(kb, FakeEmbedder(), tmp_path, Fusion(method="convex", threshold=0.1))


def test_search_many_encodes_once_and_a_given_vector_is_not_re_encoded(fake_retriever):
    embedder = fake_retriever.embedder
    embedder.calls.clear()
    results = fake_retriever.search_many(["django admin", "node cpu heavy", "spring boot"], k=2)
    assert embedder.calls == [3]
    assert [len(r.hits) for r in results] == [2, 2, 2]
    vector = embedder.encode(["django admin"])[0]
    embedder.calls.clear()
    result = fake_retriever.search("django admin", k=4, vector=vector)
    assert embedder.calls == []
    assert result.hits == fake_retriever.search("django admin", k=4).hits
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def result(
    kb: KnowledgeBase,
    ids: list[str],
    scores: list[float],
    in_scope: bool = True,
    close_call: bool = False,
) -> RetrievalResult:
    hits = [Hit(kb.passage(i), s) for i, s in zip(ids, scores, strict=True)]
    return RetrievalResult("q", hits, in_scope, close_call)


def quoted(reply: Reply) -> list[str]:
    return [p.citation.passage_id for p in reply.parts if p.citation is not None]


def test_answer_quotes_under_section_headings_with_citations(kb):
    reply = compose_answer(
        result(kb, ["wins.spring.watch.coldstart", "underrated.quarkus"], [0.6, 0.55]), kb
    )
    assert reply.kind == "answer"
    assert [p.style for p in reply.parts] == ["heading", "quote", "heading", "quote"]
    assert reply.parts[0].text == "Where Each Wins > Spring Boot > Watch out for"
    citation = reply.parts[1].citation
    assert citation.passage_id == "wins.spring.watch.coldstart"
    assert citation.section == "Where Each Wins > Spring Boot > Watch out for"
    assert citation.source == "Backend Technologies: Node.js vs Django vs Spring Boot"


def test_answer_avoids_quoting_a_passage_and_its_own_section_or_sentence(kb):
    ids = ["underrated.fastapi", "underrated.fastapi.1", "underrated", "underrated.nestjs"]
    reply = compose_answer(result(kb, ids, [0.6, 0.58, 0.57, 0.56]), kb)
    assert quoted(reply) == ["underrated.fastapi", "underrated.nestjs"]


def test_answer_leaves_out_much_weaker_passages(kb):
    reply = compose_answer(result(kb, ["wins.node.io", "glance.hiring.node"], [0.6, 0.3]), kb)
    assert quoted(reply) == ["wins.node.io"]


def test_answer_stays_short_even_for_the_largest_sections(kb):
    sections = [p.id for p in sorted(kb.passages, key=lambda p: -len(p.text))[:3]]
    reply = compose_answer(result(kb, sections, [0.5, 0.5, 0.5]), kb)
    assert len(render_text(reply)) <= MAX_ANSWER_CHARS + 100
    assert quoted(reply)


def test_out_of_scope_is_declined_with_what_the_bot_can_do(kb):
    reply = compose_answer(result(kb, ["wins.node.io"], [0.05], in_scope=False), kb)
    text = render_text(reply)
    for name in ("Node.js", "Django", "Spring Boot", "FastAPI", "NestJS", "Quarkus", "Go/Rust"):
        assert name in text
    options = [o for row in reply.options for o in row]
    assert [(o.action, o.value) for o in options] == [("menu", "recommend"), ("menu", "compare")]
    assert not quoted(reply)


def test_close_call_between_frameworks_offers_did_you_mean_choices(kb):
    ids = ["wins.spring.watch.coldstart", "wins.spring.watch", "wins.node.watch"]
    reply = compose_answer(result(kb, ids, [0.5, 0.49, 0.495], close_call=True), kb)
    assert reply.parts[0].text.startswith("Did you mean")
    options = [o for row in reply.options for o in row]
    # The watch-out section contains the bullet: one choice for both.
    assert [(o.action, o.value) for o in options] == [
        ("passage", "wins.spring.watch.coldstart"),
        ("passage", "wins.node.watch"),
    ]
    # Every label names the framework and the aspect, never a bare section title.
    assert [o.label for o in options] == ["Spring Boot: cold-start time", "Node.js: watch out for"]
    assert all(len(o.label) <= 40 for o in options)


def test_close_call_within_one_framework_is_answered_with_both(kb):
    # "What is Spring Boot best at?": its table cell and its section are one reading.
    ids = ["glance.strength.spring-boot", "wins.spring", "glance.ops.spring-boot"]
    reply = compose_answer(result(kb, ids, [0.5, 0.495, 0.3], close_call=True), kb)
    assert not reply.options
    assert quoted(reply) == ["glance.strength.spring-boot", "wins.spring"]


def test_a_table_row_label_says_it_covers_all_three(kb):
    assert option_label(kb, kb.passage("glance.hiring")) == "Hiring: all three"


def test_compose_passage_quotes_the_picked_passage(kb):
    reply = compose_passage(kb, "wins.django.drf")
    assert quoted(reply) == ["wins.django.drf"]
    assert compose_passage(kb, "no.such.passage").kind == "error"


def test_the_labelled_question_set_is_big_enough_and_valid(kb, repo):
    questions = [
        q
        for split in ("dev", "test")
        for q in load_questions(repo / "datasets" / f"questions.{split}.yaml", kb)
    ]
    inside = [q for q in questions if q.in_scope]
    outside = [q for q in questions if not q.in_scope]
    assert len(inside) >= 120 and len(outside) >= 25
    for split in ("dev", "test"):
        assert sum(q.split == split for q in inside) >= 50
        assert sum(q.split == split for q in outside) >= 12
    assert len({q.text for q in questions}) == len(questions)


def test_a_question_naming_an_unknown_passage_is_an_error(kb, tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text(
        "questions:\n"
        "  - {question: ok, answers: [wins.node], split: dev}\n"
        "  - {question: bad, answers: [wins.nowhere], split: test}\n"
    )
    with pytest.raises(DataError) as info:
        load_questions(path, kb)
    assert str(info.value) == f"{path}:3: unknown passage id 'wins.nowhere'"


def test_empty_query_is_out_of_scope(fake_retriever):
    assert not fake_retriever.search("   ").in_scope


def test_cache_dir_is_created(kb, tmp_path: Path):
    build_retriever(kb, FakeEmbedder(), tmp_path / "deep" / "index")
    assert any((tmp_path / "deep" / "index").iterdir())


def test_markdown_knowledge_is_searched_and_cited_with_the_rest(repo, tmp_path):
    directory = tmp_path / "knowledge"
    shutil.copytree(repo / "knowledge", directory)
    (directory / "ops-notes.md").write_text(
        "# Ops Notes\n\n## Kubernetes\n\n- Our Django pods autoscale on Kubernetes nicely\n"
    )
    kb = load_knowledge(directory)
    retriever = build_retriever(kb, FakeEmbedder(), tmp_path / "index", Fusion(method="bm25"))
    result = retriever.search("kubernetes autoscale", k=2)
    assert result.hits[0].passage.id == "ops-notes.kubernetes.1"
    citation = compose_answer(result, kb).parts[1].citation
    assert (citation.section, citation.source) == ("Ops Notes > Kubernetes", "Ops Notes")


@pytest.mark.model
def test_the_traced_model_encodes_as_sentence_transformers_does(torch_embedder, kb):
    from bot.embedding.minilm import _st_encode

    embedder = torch_embedder
    assert embedder._forward is not None, "tracing failed: encoding fell back to eager"
    texts = ["Django", "Which framework suits a large Java team building long-lived services?"]
    texts += [p.text for p in list(kb.passages)[:40]]  # more than one chunk, mixed lengths
    got = embedder.encode(texts)
    assert got.shape == (len(texts), 384)
    assert np.allclose(got, _st_encode(embedder._model, texts), atol=1e-5)


def test_nearest_off_topic_needs_the_margin_over_the_best_passage():
    topics = np.eye(3, dtype=np.float32)
    vector = np.array([0.9, 0.1, 0.0], dtype=np.float32)
    assert nearest_off_topic(vector, 0.80, topics, margin=0.05) == 0
    assert nearest_off_topic(vector, 0.86, topics, margin=0.05) is None
    assert nearest_off_topic(None, 0.0, topics) is None
    assert nearest_off_topic(vector, 0.0, topics[:0]) is None


def test_a_question_nearest_an_off_topic_is_declined_even_naming_a_framework(kb, tmp_path):
    kb = replace(kb, off_topics=("sharding partitioning replicas", *kb.off_topics))
    embedder = FakeEmbedder()
    retriever = build_retriever(kb, embedder, tmp_path, Fusion(method="convex", threshold=0.0))
    result = retriever.search("sharding partitioning replicas")
    assert not result.in_scope and not result.topical
    assert result.off_topic == "sharding partitioning replicas"
    named = retriever.search("sharding partitioning replicas in django")
    assert not named.in_scope and named.off_topic == "sharding partitioning replicas"
    assert named.frameworks == ("django",)
    assert retriever.search("django admin").off_topic is None
    # The topics' vectors are cached on disk like the passages': a second start encodes nothing.
    embedder.calls.clear()
    build_retriever(kb, embedder, tmp_path)
    assert embedder.calls == []


def test_off_topics_are_many_and_name_no_covered_framework(kb):
    assert len(kb.off_topics) >= 60
    assert len(set(kb.off_topics)) == len(kb.off_topics)
    for topic in kb.off_topics:
        assert not mentioned_frameworks(topic, kb), topic
