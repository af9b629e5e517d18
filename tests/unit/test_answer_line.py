"""The answer line is composed from the best passage's role and words, nothing else."""

from __future__ import annotations

import pytest

from bot.dialogue.answer_line import answer_line


@pytest.mark.parametrize(
    ("question", "passage", "named", "line"),
    [
        ("Is Node good for CPU-heavy work?", "wins.node.watch.cpu", ("node",),
         "No: the article lists CPU-heavy work among Node.js's watch-outs."),
        ("is node bad for cpu heavy work", "wins.node.watch.cpu", ("node",),
         "Yes: the article lists CPU-heavy work among Node.js's watch-outs."),
        ("does spring boot use a lot of memory", "wins.spring.watch.footprint", ("spring-boot",),
         "Yes: the article lists resource footprint among Spring Boot's watch-outs."),
        ("is spring boot opinionated?", "wins.spring.mature", ("spring-boot",),
         "Yes: the article says mature, opinionated, observable."),
        ("is python the language behind django?", "glance.language.django", ("django",),
         "Yes: the article's table says Django language: Python."),
        ("which framework is opinionated and observable", "wins.spring.mature", (),
         "Spring Boot: the article says mature, opinionated, observable."),
    ],
)  # fmt: skip
def test_lines_follow_the_passage_role(kb, question, passage, named, line) -> None:
    assert answer_line(question, kb.passage(passage), kb, named) == line


def test_a_passage_about_another_framework_does_not_settle_it(kb) -> None:
    line = answer_line("is django slow to start?", kb.passage("wins.spring.watch.coldstart"), kb,
                       ("django",))  # fmt: skip
    assert line == "The article doesn't settle this directly; here is what it says:"


def test_a_passage_that_says_not_gives_no_yes_or_no(kb) -> None:
    line = answer_line("are the authors biased?", kb.passage("bottom-line.authors"), kb, ())
    assert line is not None and not line.startswith(("Yes", "No"))


@pytest.mark.parametrize("question", ["tell me about django", "django admin", "compare them"])
def test_other_questions_get_no_line(kb, question) -> None:
    assert answer_line(question, kb.passage("wins.django.batteries"), kb, ("django",)) is None


def test_sections_and_rows_get_no_line(kb) -> None:
    assert answer_line("is django good?", kb.passage("wins.django"), kb, ("django",)) is None
    assert answer_line("is node hiring huge?", kb.passage("glance.hiring"), kb, ("node",)) is None


def test_a_comparison_reads_out_a_strength_of_one_side(kb) -> None:
    from bot.dialogue.answer_line import side_line

    best = kb.passage("wins.django.content")
    line = side_line("node or django for a site full of articles", best, kb, "django")
    assert line == "Django: the article says excellent for content-heavy, data-driven products."
    # A weakness is never answered from a strength; a watch-out is not a strength.
    assert side_line("node or django: which is worse for articles", best, kb, "django") is None
    cpu = kb.passage("wins.node.watch.cpu")
    assert side_line("node or django for number crunching", cpu, kb, "node") is None


def test_a_comparison_shows_first_what_the_article_says_of_both(kb) -> None:
    from bot.dialogue.messages import compare, compared_passages

    ids = compared_passages(kb, "nestjs", "spring-boot")
    assert "underrated.nestjs" in ids and len(ids) == len(set(ids))
    bullets = [p.citation.passage_id for p in compare(kb, "nestjs", "spring-boot").parts
               if p.style == "bullet" and p.citation]  # fmt: skip
    assert bullets[0] == "underrated.nestjs" and bullets.count("underrated.nestjs") == 1
    # "All three are production-grade" speaks of every column: not a word on the pair.
    cited = {p.citation.passage_id for p in compare(kb, "node", "django").parts if p.citation}
    assert not any(pid.startswith("bottom-line") for pid in cited)


def test_the_line_reads_the_part_of_a_section_shown_beside_it(kb) -> None:
    from bot.dialogue.answer import _line_passage
    from bot.retrieval import Hit, RetrievalResult

    def result(*ids: str) -> RetrievalResult:
        hits = [Hit(kb.passage(pid), 0.5 - n / 100) for n, pid in enumerate(ids)]
        return RetrievalResult("q", hits, True, False)

    # A section first, its bullet next: the bullet is the direct answer.
    assert _line_passage(result("wins.node", "glance.strength.node", "wins.node.io"), kb).id == (
        "wins.node.io"
    )
    # A row and one of its cells; a bullet first stays first.
    assert _line_passage(result("glance.hiring", "glance.hiring.node"), kb).id == (
        "glance.hiring.node"
    )
    assert _line_passage(result("wins.node.io", "wins.node"), kb).id == "wins.node.io"
    # Nothing shown is part of the section (a subsection is no direct answer either).
    assert _line_passage(result("wins.node", "wins.node.watch", "glance.hiring"), kb).id == (
        "wins.node"
    )
