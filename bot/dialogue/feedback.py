"""What an answer or a pick replied to (`Asked`), for the owner's feedback report.

A topic is the top passage's section, cut to its first two levels ("Where Each Wins >
Django", "The Three at a Glance > Hiring", "Decision Heuristics"): the article's own outline,
so the report's topics are the parts of the article people ask about. A comparison counts as
"Compare: A vs B" (names sorted) and a pick as "Recommendation: <name>".
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.replies import Asked, Reply

if TYPE_CHECKING:
    from bot.dialogue.answer import Answer

# Two levels name a framework's strengths or a table row; the third ("Watch out for") splits
# one subject into pieces too small to rank.
TOPIC_DEPTH = 2


def topic_of(section: tuple[str, ...]) -> str:
    """The topic a passage's section path counts under (its first two levels)."""
    return " > ".join(section[:TOPIC_DEPTH])


def _cited(reply: Reply) -> tuple[tuple[str, str], ...]:
    """The (passage id, section) pairs a reply quotes or cites, in the order it shows them."""
    cited: dict[str, str] = {}
    for part in reply.parts:
        if part.citation is not None:
            cited.setdefault(part.citation.passage_id, part.citation.section)
    return tuple(cited.items())


def _shown(answer: Answer) -> tuple[tuple[str, str], ...]:
    # What the user saw: the quotes, not every hit retrieval returned (k=3, often one quoted).
    return _cited(answer.reply) or tuple((p.id, p.section_label) for p in answer.passages)


def with_answer(answer: Answer, resolved: str | None = None) -> Reply:
    """`answer`'s reply carrying what it replied to (`resolved`: the standalone question a
    follow-up was read as); declines are counted, never voted on."""
    reply = replace(answer.reply, answered=answer.answered(resolved))
    if answer.kind == "decline":
        return declined(reply, answer.question)
    if not answer.passages:
        return reply
    if answer.kind == "comparison":
        topic = "Compare: " + " vs ".join(sorted(_heading(answer.reply).split(" vs ")))
    else:
        topic = topic_of(answer.passages[0].section)
    # "Did you mean" choices are counted under their topic; a vote on them would mean nothing.
    votable = answer.kind in ("answer", "comparison")
    asked = Asked(answer.question, _shown(answer), topic, votable=votable)
    return replace(reply, asked=asked)


def _heading(reply: Reply) -> str:
    """The reply's first heading ("Django vs Spring Boot", "Recommendation: Django")."""
    return next((p.text for p in reply.parts if p.style == "heading"), "")


def with_pick(reply: Reply, question: str) -> Reply:
    """A recommendation reply carrying what it replied to: `question` and the cited passages."""
    heading = _heading(reply) or "Recommendation"
    asked = Asked(question, _cited(reply), heading, votable=True)
    return replace(reply, asked=asked)


def declined(reply: Reply, question: str) -> Reply:
    """`reply` marked as declining `question` (counted in the owner's report)."""
    return replace(reply, asked=Asked(question, declined=True))
