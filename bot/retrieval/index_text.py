"""The text BM25 indexes for a passage: its own, with plain words for its role.

The article's headings are idioms ("Watch out for", "The Bottom Line") that users rarely
repeat: they ask for "downsides" or "the conclusion", and BM25 matches words, not meanings
(on dev "spring boot downsides" ranked the watch-out list below three unrelated table
cells). So each passage's role (knowledge/article.yaml) adds its plain words from
knowledge/glosses.yaml `roles`, for BM25 only: MiniLM encodes `Passage.index_text` as it is
and reads glosses as rows of their own.
"""

from __future__ import annotations

from bot.knowledge import KnowledgeBase, Passage


def indexed_text(passage: Passage, kb: KnowledgeBase) -> str:
    """What BM25 indexes: `passage.index_text` with its role's plain words."""
    words = kb.role_words.get(passage.role)
    return f"{passage.index_text} ({words})" if words else passage.index_text
