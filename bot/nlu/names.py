"""Technologies no catalogue lists: the word a question asks about, when it names a product.

knowledge/uncovered.yaml lists a few hundred technologies the article does not cover, and no
list is ever complete: "is vapor ready for production web services?" and "is bun stable enough
for production apis?" named none of its entries and were answered "Yes" from passages about
"all three" and Node.js. A word names a product here when it stands where a question puts what
it asks about (right after a leading "is", "does", "can"..., or on either side of "or"/"vs"),
the knowledge never uses it (passages, glosses, needs, off-topics, framework names), it is no
quality or activity ("reliability", "sharing"), and it is no everyday word: capitalised inside
the sentence ("Is Gleam ready"), or not in the model's dictionary ("gofr"), or not among its
most frequent words ("cost" and "community" are everyday subjects, "vapor" and "bun" are not).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.knowledge.mentions import framework_spans, mentioned_uncovered

if TYPE_CHECKING:
    from bot.knowledge import KnowledgeBase
    from bot.nlu.spelling import Speller

# The word right after a leading auxiliary: what a yes/no question asks about. A determiner
# there ("is the article biased") makes it a common noun phrase, never a name.
_SUBJECT = re.compile(
    r"^\W*(?:is|does|can|could|will|would|should|has|was|did|might|may)\s+"
    r"(?!(?:the|a|an)\b)([A-Za-z][\w.+#-]*)",
    re.IGNORECASE,
)
# The options of "X or Y", "X vs Y": what a which-one question weighs. Only in a question that
# chooses (opening with the options, or with "which", "vs", "pick", "between"...): "stall on
# math-heavy stuff like hashing or ML inference" lists examples.
_OPTIONS = re.compile(
    r"(?<![\w.+#-])([A-Za-z][\w.+#-]*)\s*,?\s+(?:or|vs\.?|versus)\s+([A-Za-z][\w.+#-]*)",
    re.IGNORECASE,
)
_CHOOSING = re.compile(
    r"\b(?:which|vs\.?|versus|pick|choose|chose|use|between|prefer|better|go\s+with)\b",
    re.IGNORECASE,
)
# Who or what a question is about when it is not a thing: people, pronouns, quantifiers.
GENERIC = frozenset({
    "i", "we", "you", "u", "they", "it", "he", "she", "this", "that", "these", "those", "there",
    "here", "any", "anything", "anyone", "anybody", "some", "something", "someone", "somebody",
    "every", "everything", "everyone", "everybody", "all", "both", "each", "either", "neither",
    "none", "nothing", "nobody", "one", "my", "our", "your", "their", "its", "ur", "ya", "yall",
})  # fmt: skip
# Endings of words that name a quality or an activity ("reliability", "sharing"), not a product.
_ABSTRACT = (
    "ity", "ness", "tion", "sion", "ment", "ance", "ence", "ancy", "ency", "ing", "ism", "ics",
    "ship", "ous", "ive", "ful", "less", "able", "ible",
)  # fmt: skip
_WORD = re.compile(r"[a-z][a-z0-9]*")


def known_words(kb: KnowledgeBase) -> frozenset[str]:
    """Every word the knowledge uses of itself, lower-cased: passages, glosses, needs and what
    states none, off-topics, framework names. Not the uncovered catalogue: "bun" is in it only
    as part of "bun.js"."""
    cached = kb.derived.get("known-words")
    if isinstance(cached, frozenset):
        return cached
    texts = [p.text for p in kb.passages]
    texts += [g for glosses in kb.glosses.values() for g in glosses]
    texts += [s for need in kb.needs.values() for s in (need.label, *need.says)]
    texts += [*kb.not_needs, *kb.off_topics]
    texts += [" ".join((f.id, f.name, *f.aliases)) for f in kb.frameworks.values()]
    words = frozenset(w for t in texts for w in _WORD.findall(t.lower().replace("-", " ")))
    kb.derived["known-words"] = words
    return words


def _known(word: str, known: frozenset[str]) -> bool:
    """Whether the knowledge uses `word`, a plural or singular of it, or both halves of it
    ("realtime": "real" and "time"); a hyphenated or dotted word counts by its parts."""
    parts = [p for p in re.split(r"[-.]", word) if p]
    if len(parts) > 1:
        return all(_known(p, known) for p in parts)
    forms = {word, word + "s", word.removesuffix("s"), word.removesuffix("es")}
    if forms & known:
        return True
    # Halves of four letters or more: "pay" + "load" is not what "payload" means.
    return any(word[:i] in known and word[i:] in known for i in range(4, len(word) - 3))


def subject_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word as typed) where `text` puts what it asks about: the word after a
    leading auxiliary, and the options of "X or Y" in a question that chooses."""
    found: list[tuple[int, int, str]] = []
    spans = [m.span(1) for m in _SUBJECT.finditer(text)]
    for m in _OPTIONS.finditer(text):
        if not text[: m.start()].strip(" \t\"'(") or _CHOOSING.search(text):
            spans += [m.span(1), m.span(2)]
    for start, stop in spans:
        typed = text[start:stop].rstrip(".-")
        span = (start, start + len(typed), typed)
        if typed and span not in found:
            found.append(span)
    return sorted(found)


def _title_case(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text)
    return len(words) > 2 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def unknown_technologies(
    text: str, kb: KnowledgeBase, speller: Speller
) -> list[tuple[int, int, str]]:
    """(start, end, the user's word) of each technology `text` asks about that neither the
    article nor the uncovered catalogue names (see the module docstring)."""
    taken = [(s, e) for s, e, _ in framework_spans(text, kb, languages=True)]
    taken += [span for _, span in mentioned_uncovered(text, kb)]
    known = known_words(kb)
    capitals = not _title_case(text)
    out: list[tuple[int, int, str]] = []
    for start, end, typed in subject_spans(text):
        word = typed.lower()
        if len(word) < 2 or word in GENERIC or any(ch.isdigit() for ch in word):
            continue
        if any(s < end and start < e for s, e in taken):
            continue  # a covered framework, or a technology the catalogue names
        if _known(word, known) or word.endswith(_ABSTRACT):
            continue
        # Capitalised, not an acronym ("Gleam", not "ML"), and not the question's first word.
        named = (
            capitals
            and typed[0].isupper()
            and not typed.isupper()
            and text[:start].strip(" \t\"'(") != ""
        )
        rare = word not in speller.dictionary or (
            bool(speller.common) and word not in speller.common
        )
        if named or rare:
            out.append((start, end, typed))
    return out
