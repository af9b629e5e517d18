"""The direct answer before the evidence, for yes/no and which-one questions.

Composed only from the best passage's role (knowledge/article.yaml) and its own words, never
from anything the article does not say. "Is Node good for CPU-heavy work?" is answered
"No: the article lists CPU-heavy work among Node.js's watch-outs." When the best passage is
about another framework, or the question is neither yes/no nor which-one, there is no line;
when it is but the passage does not settle it, the line says so plainly.
"""

from __future__ import annotations

from bot.knowledge import KnowledgeBase, Passage
from bot.nlu.forms import content_words, read_form
from bot.text import negates


def _subject(passage: Passage) -> str | None:
    """The framework a passage speaks of (a cell's column, a bullet's first framework)."""
    return passage.frameworks[0] if passage.frameworks else None


def _said(passage: Passage) -> str:
    """The passage's words, lower-cased at the start unless that is a name ("CPU", "NestJS")."""
    text = passage.text.rstrip(".")
    first = text.split(" ", 1)[0]
    if passage.kind == "bullet" and first[:1].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


def answer_line(
    question: str, best: Passage, kb: KnowledgeBase, named: tuple[str, ...]
) -> str | None:
    """The first line answering `question` from `best` (None: not a yes/no or which-one)."""
    if best.kind not in ("bullet", "sentence", "cell"):
        return None  # a section or a row answers more than one thing: no single line
    form = read_form(question)
    which, yes_no = form.which, form.yes_no
    if not (which or yes_no):
        return None
    subject = _subject(best)
    words = content_words(" ".join((best.text, *kb.glosses.get(best.id, ()))))
    if which:
        if best.role in ("heuristic", "strength", "underrated", "table") and subject:
            if named and subject not in named:
                return None
            name = kb.frameworks[subject].name
            return f"{name}: the article says {_said(best)}."
        return None
    # Yes/no: the passage must be about what the question names (or about all of them).
    if named and best.frameworks and not set(named) & set(best.frameworks):
        return "The article doesn't settle this directly; here is what it says:"
    flip = form.negated
    name = kb.frameworks[subject].name if subject else "the three"
    if best.role == "watch-out":
        fit = form.fit and not form.weakness
        verdict = "No" if fit != flip else "Yes"
        return f"{verdict}: the article lists {_said(best)} among {name}'s watch-outs."
    negative = form.weakness != flip
    if best.kind == "cell":
        value = best.text.split(":", 1)[-1]
        if content_words(value) & content_words(question):
            return f"{'No' if negative else 'Yes'}: the article's table says {best.text}."
        return f"The article's table says {best.text}."
    if best.role in ("strength", "heuristic", "underrated", "bottom-line"):
        # Only a passage that speaks of what was asked settles it (its text or its glosses),
        # and not one that says "not": "not our preferences" cannot answer yes or no.
        asked = content_words(question) - content_words(" ".join(named))
        if negates(best.text) or not words & asked:
            return "The article doesn't settle this directly; here is what it says:"
        verdict = "No" if negative else "Yes"
        return f"{verdict}: the article says {_said(best)}."
    return "The article doesn't settle this directly; here is what it says:"


def side_line(question: str, best: Passage, kb: KnowledgeBase, side: str) -> str | None:
    """A comparison's line when its best passage is a strength of one side (None: it isn't).

    "Node or Django for a content-heavy site?" -> "Django: the article says excellent for
    content-heavy, data-driven products." Never for a question about a weakness ("which is
    worse at ..."): a strength cannot answer it.
    """
    if best.kind != "bullet" or best.role not in ("strength", "heuristic", "underrated"):
        return None
    if read_form(question).weakness or negates(best.text):
        return None
    return f"{kb.frameworks[side].name}: the article says {_said(best)}."
