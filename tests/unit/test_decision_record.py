"""The decision record: the Markdown renderer and the record the advisor's verdict becomes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markdown_it import MarkdownIt

from bot.advisor import Advisor, StatedNeed
from bot.dialogue import messages
from bot.form import load_form
from bot.render.markdown import escape_markdown, render_markdown
from bot.replies import Citation, Part, Reply


@pytest.fixture(scope="module")
def spec(repo):
    return load_form(repo / "intents")


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_the_first_heading_is_the_title_and_the_others_sections() -> None:
    cited = Citation("wins.django", "Where Each Wins > Django", "Article")
    reply = Reply(
        "document",
        (
            Part("heading", "Decision: Django"),
            Part("heading", "Why"),
            Part("bullet", "Batteries included.", cited),
            Part("bullet", "A second reason."),
            Part("paragraph", "After the list."),
            Part("table", rows=(("Criterion", "Django"), ("team skills", "+10"), ("x", "0"))),
        ),
    )
    assert render_markdown(reply) == (
        "# Decision: Django\n\n## Why\n\n"
        "- Batteries included. [wins.django]\n- A second reason.\n\n"
        "After the list.\n\n"
        "| Criterion | Django |\n|---|---:|\n| team skills | +10 |\n| x | 0 |\n"
    )


@pytest.mark.parametrize(
    "words",
    [
        "**bold** and `code`",
        "[a link](http://x.test) <b>html</b>",
        "_emphasis_ in snake_case",
        "# not a heading",
        "- not a list",
        "1. not a list",
        "> not a quote",
        "a \\ backslash",
    ],
)
def test_user_words_stay_text_in_any_markdown_renderer(words: str) -> None:
    html = _html(escape_markdown(words))
    assert html.startswith("<p>") and html.count("<") == 2, html  # only <p> and </p>
    assert "snake_case" in escape_markdown("snake_case")  # inside a word: left alone


def test_a_pipe_in_a_cell_does_not_split_it() -> None:
    reply = Reply("document", (Part("table", rows=(("a", "b"), ("x | y", "1"))),))
    assert "<td>x | y</td>" in _html(render_markdown(reply))


def test_the_record_of_a_pick(kb, spec) -> None:
    advisor = Advisor(kb, spec)
    slots = {"team_language": "python", "workload": "content", "team_size": "small"}
    said = {"team_language": "Python devs", "workload": "--set"}
    need = StatedNeed("batteries-included", "an admin out of the box *now*")
    rec = advisor.recommend(slots, {}, [need], ("fastapi",), said)
    reply = messages.record(kb, spec, rec)
    assert reply.kind == "document" and reply.file_name == f"decision-{rec.pick.id}.md"
    document = render_markdown(reply)
    assert document.splitlines()[0] == f"# Decision: {rec.pick.name}"
    assert '- Team language: Python (from "Python devs")' in document
    # --set values are not the user's words.
    assert "- Workload: Content / CRUD / data\n" in document
    # A stated need is quoted (its markup escaped) with the passage it reached.
    assert re.search(r'- Stated need: "an admin out of the box \\\*now\\\*" \[[\w.-]+\]', document)
    assert "- Never picked: FastAPI (ruled out)" in document
    why = document.split("## Why\n\n", 1)[1].split("\n\n## ", 1)[0]
    assert all(re.search(r" \[[\w.-]+\]$", line) for line in why.splitlines())
    assert f"- Knowledge version: {kb.version}" in document
    assert "ThynkBlox Team, 2026-02-14" in document


def test_a_record_with_nothing_that_would_change_it_says_so(kb, spec) -> None:
    rec = replace(
        Advisor(kb, spec).recommend({"team_language": "python"}), changes=[], also_consider=[]
    )
    document = render_markdown(messages.record(kb, spec, rec))
    assert "## What would change it\n\nNo single different answer would change the pick.\n" in (
        document
    )


def test_the_chart_reply_breaks_each_score_into_the_score_tables_criteria(kb, spec) -> None:
    rec = Advisor(kb, spec).recommend({"team_language": "jvm", "deployment": "serverless"})
    reply = messages.chart(kb, rec)
    table = {row[0]: row[1:] for row in rec.table[1:]}
    assert list(reply.breakdown) == list(reply.scores)
    for name, points in reply.breakdown.items():
        assert sum(points.values()) == pytest.approx(reply.scores[name])
        assert set(points) <= set(table)
    pick = reply.breakdown[rec.pick.name]
    for criterion, points in pick.items():
        assert table[criterion][0] == f"{points:+g}"
