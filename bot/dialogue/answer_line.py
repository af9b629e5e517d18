"""The direct answer before the evidence, for yes/no and which-one questions.

Composed only from the best passage's role (knowledge/article.yaml) and its own words, never
from anything the article does not say. "Is Node good for CPU-heavy work?" is answered
"No: the article lists CPU-heavy work among Node.js's watch-outs." When the best passage is
about another framework, or the question is neither yes/no nor which-one, there is no line;
when it is but the passage does not settle it, the line says so plainly.
"""

from __future__ import annotations

import re

from bot.knowledge import KnowledgeBase, Passage

_YES_NO = re.compile(
    r"^\s*(is|are|does|do|did|can|could|will|would|should|has|have|was|were)\b", re.I
)
_WHICH = re.compile(
    r"\b(which|what)\s+(one|framework|option|stack|backend|should|to pick|to choose|fits)\b"
    r"|^\s*which\b|\bwhich (?:is|are|has|gives|suits|one)\b|\bwhat fits\b|\bwhich framework\b",
    re.I,
)
# Words that ask whether something is fit for a job ("is Node good for ...", "can Django
# handle ..."): a watch-out then answers no; any other yes/no question on a watch-out ("is
# Spring Boot slow to start?", "does it use a lot of memory?") is confirmed.
_FIT = re.compile(
    r"\b(good|great|fit|fits|suited|suitable|ideal|handle|handles|cope|scale|scales|well|"
    r"fast|quick|efficient|light|lightweight|easy|simple|trustworthy|trusted|reliable|safe|"
    r"secure|capable|excel|excels|strong|recommended|right|worth|ok|okay|fine)\b"
    r"|^\s*can\b",
    re.I,
)
# Words that make a yes/no question ask about a weakness ("is Node bad for ...").
_NEGATIVE = re.compile(
    r"\b(bad|poor|weak|slow|struggle[sd]?|choke[sd]?|problems?|issues?|risky|risks?|traps?|"
    r"pitfalls?|hard|difficult|downsides?|drawbacks?|cons|avoid|terrible|worse|worst|"
    r"bloated|hogs?|suffer|suck|painful|fail|lag|lags|overkill)\b",
    re.I,
)
_NOT = re.compile(r"\b(not|never|n't)\b|n't\b", re.I)
_WORD = re.compile(r"[a-z][a-z0-9+#.]*")
_STOP = frozenset({
    "a", "an", "the", "is", "are", "does", "do", "for", "of", "to", "in", "on", "with", "and",
    "or", "it", "its", "be", "can", "what", "which", "how", "good", "bad",
})  # fmt: skip


def _subject(passage: Passage) -> str | None:
    """The framework a passage speaks of (a cell's column, a bullet's first framework)."""
    return passage.frameworks[0] if passage.frameworks else None


def _content(text: str) -> set[str]:
    """Content words, plural -s dropped ("packages" meets "package")."""
    words = (w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2)
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words}


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
    which = bool(_WHICH.search(question)) or (
        bool(_YES_NO.search(question)) and re.search(r"\bor\b", question, re.I) is not None
    )
    yes_no = not which and bool(_YES_NO.search(question))
    if not (which or yes_no):
        return None
    subject = _subject(best)
    words = _content(" ".join((best.text, *kb.glosses.get(best.id, ()))))
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
    flip = bool(_NOT.search(question))
    name = kb.frameworks[subject].name if subject else "the three"
    if best.role == "watch-out":
        fit = bool(_FIT.search(question)) and not _NEGATIVE.search(question)
        verdict = "No" if fit != flip else "Yes"
        return f"{verdict}: the article lists {_said(best)} among {name}'s watch-outs."
    negative = bool(_NEGATIVE.search(question)) != flip
    if best.kind == "cell":
        value = best.text.split(":", 1)[-1]
        if _content(value) & _content(question):
            return f"{'No' if negative else 'Yes'}: the article's table says {best.text}."
        return f"The article's table says {best.text}."
    if best.role in ("strength", "heuristic", "underrated", "bottom-line"):
        # Only a passage that speaks of what was asked settles it (its text or its glosses),
        # and not one that says "not": "not our preferences" cannot answer yes or no.
        if _NOT.search(best.text) or not words & (_content(question) - _content(" ".join(named))):
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
    if _NEGATIVE.search(question) or _NOT.search(best.text):
        return None
    return f"{kb.frameworks[side].name}: the article says {_said(best)}."
