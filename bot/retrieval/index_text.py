"""The text retrieval indexes for a passage: its own, plus glosses of idiomatic headings.

The article's headings are idioms ("Watch out for", "The Bottom Line") that users rarely
repeat: they ask for "downsides" or "the conclusion", and BM25 matches words, not meanings
(on the dev split "spring boot downsides" ranked the watch-out list below three unrelated
table cells). So, for BM25 only, each idiom is glossed with the plain words users use. MiniLM
encodes `Passage.index_text` unglossed: on dev the glosses blurred its vectors (hybrid MRR@10
0.848 glossed against 0.875 not). The glosses say what the headings mean in English, not
anything about a framework, and apply to Markdown headings in knowledge/ too.
"""

from __future__ import annotations

from bot.knowledge import Passage

HEADING_GLOSSES: dict[str, str] = {
    "watch out for": "drawbacks, downsides, cons, weaknesses, risks, pitfalls",
    "pitfalls": "drawbacks, downsides, cons, weaknesses, risks",
    "where each wins": "strengths, advantages, pros, benefits, why choose it",
    "decision heuristics": "rules of thumb, how to decide, when to choose which",
    "underrated": "overlooked alternatives worth considering",
    "bottom line": "conclusion, summary, verdict, final advice",
    "at a glance": "overview, comparison table",
}


def _gloss(heading: str) -> str:
    lowered = heading.lower()
    glosses = [gloss for idiom, gloss in HEADING_GLOSSES.items() if idiom in lowered]
    return f"{heading} ({'; '.join(glosses)})" if glosses else heading


def indexed_text(passage: Passage) -> str:
    """What BM25 indexes: `passage.index_text` with idiomatic headings glossed."""
    if passage.kind in ("row", "cell"):
        return passage.index_text
    label = " > ".join(_gloss(h) for h in passage.section)
    return f"{label}: {passage.text}"
