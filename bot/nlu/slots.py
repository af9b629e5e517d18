"""Free text -> slot values: cues as whole words, head counts, negation, every fact counted.

Every phrase of every slot option is a candidate. Within one slot the longest candidate wins
and claims its characters ("spring shop" is one language mention, not two); across slots
phrases may overlap, so one phrase can fill two slots ("async Python API" is a language and a
workload). Evidence has a strength: a synonym names a value outright, a cue (a tool, a file
type, a neighbouring stack, where the people came from) only suggests it, and a mention in
the past or in someone else's mouth ("our CTO used to do Java") counts for less. A slot takes
the value with the most evidence; the language is "mixed" only when two languages are named
outright as the team's.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cachetools import LRUCache

from bot.form import FormSpec, Slot
from bot.knowledge import KnowledgeBase
from bot.knowledge.phrases import WordIndex, words
from bot.nlu.matches import NeedMatch

if TYPE_CHECKING:
    from collections.abc import Collection

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "a hundred": 100,
    "hundreds": 200,
    "thousands": 2000,
    "a dozen": 12,
    "dozen": 12,
    "dozens": 24,
    "several dozen": 36,
    "a couple of": 2,
    "couple of": 2,
    "a pair of": 2,
    "a few": 3,
    "few": 3,
    "several": 4,
}
_NUMBER = (
    r"(\d{1,6}|"
    + "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_NUMBER_WORDS, key=len, reverse=True)
    )
    + r")"
)
# Words that negate a phrase when they come shortly before it in the same clause.
_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "without",
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "isn't",
        "isnt",
        "aren't",
        "arent",
        "won't",
        "wont",
        "nor",
        "neither",
        "avoid",
        "avoiding",
        "instead",
        "refuse",
        "refuses",
        "skip",
        "skipping",
        "ditch",
        "ditching",
        "ban",
        "banned",
        "except",
        "nothing",
        "none",
    ]
)
# "nothing but Python", "none other than": the negation word says "only".
_ONLY = re.compile(r"\b(?:nothing|none)\s+(?:but|other\s+than|except)\b", re.IGNORECASE)
# A negation stops at these verbs: "we can't hire Rust people" rules nothing out.
_NEGATION_BREAKERS = frozenset(["hire", "hiring", "find", "recruit", "afford", "wait"])
# After the phrase: "Spring Boot's memory appetite is off the table", "Java is out",
# "performance is irrelevant".
_NEGATED_AFTER = re.compile(
    r"^(?:'s\b[^,.;:!?]{0,40}?)?\s+(?:is|are)\s+(?:off\s+the\s+table|out\s+of\s+the\s+question|"
    r"not\s+an\s+option|a\s+no-go|no-go|ruled\s+out|banned|not\s+allowed|forbidden|out\b|"
    r"irrelevant|unimportant|overkill|pointless|moot)",
    re.IGNORECASE,
)
# A subject that is nobody negates its whole clause, however far its verb reaches: "nobody
# on the team knows Java", "no one here has touched Kotlin" (five words and more before it).
_NOBODY = re.compile(r"\b(?:nobody|no\s+one|no-one|none\s+of\s+(?:us|them|our\s+\w+))\b")
# Work done by the team itself, after a negated phrase: what they refuse is the doing.
_DIY = re.compile(
    r"^[^.;:!?]*?\b(?:ourselves|myself|by\s+hand|from\s+scratch|manually)\b", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?()]|\bbut\b|\band\b")
# How far back a negation reaches: "we don't really need an admin" still negates "admin".
_NEGATION_WINDOW = 4
# Phrases that rule out what follows them ("anything but Java": its "but" is no clause break).
_NEGATING_PHRASES = re.compile(
    r"(?:\b(?:anything|everything|all|whatever)\s+but|\bstay(?:ing)?\s+away\s+from|"
    r"\b(?:steer|keep)(?:ing)?\s+clear\s+of|\bmov(?:e|ing)\s+(?:away\s+)?(?:from|off)|"
    r"\bget(?:ting)?\s+rid\s+of|\b(?:done|fed\s+up|sick|tired)\s+(?:with|of)|"
    r"\brather\s+than|\bno\s+more|\bnot\s+a\s+fan\s+of|\ballergic\s+to|"
    r"\bwithout\s+any)\s+(?:the\s+|a\s+|an\s+|our\s+)?(?:[\w.#+-]+\s+){0,2}$",
    re.IGNORECASE,
)
# Words before a phrase (same clause) that put it in the past or in someone else's mouth.
_WEAK_BEFORE = re.compile(
    r"\b(?:used\s+to|came\s+(?:up\s+|over\s+)?(?:from|through)|coming\s+(?:over\s+)?from|formerly|"
    r"previously|background\s+in|migrating\s+from|moving\s+(?:away\s+)?from|switching\s+from|"
    r"told\s+us|heard|someone|suggest\w*|recommend\w*|mention\w*|keeps\s+saying|"
    # someone else's team: another team, a vendor, the client
    r"another\s+team|"
    r"other\s+teams?|(?:the|our)\s+(?:data|ml|analytics|mobile|ios|android|qa|ops)\s+team|"
    r"vendor|contractor|agency|client's|partner's)\b",
    re.IGNORECASE,
)
# Words that put only what they qualify in the past: "ex-Rails devs", "the legacy app is in
# Java", "we inherited a PHP codebase", "the current system is a Java monolith" (what exists,
# not who will build the new one). Up to three words may follow them; further on, or
# after "now", "will", the clause speaks of the present ("our ex-Rails devs will build an
# online shop" is a shop, "our former Java devs now write Go" a Go team).
_WEAK_NEAR = re.compile(
    r"(?:\bex-|\b(?:former|previous|legacy|inherited|"
    r"old\s+(?:system|app|code|codebase|stack|platform|monolith)|"
    r"(?:current|existing)\s+(?:system|app|code|codebase|platform|monolith)))"
    r"(?:[\s-]+(?!(?:now|today|currently|nowadays|will|going)\b)[\w.#+/'-]+){0,3}[\s-]*$",
    re.IGNORECASE,
)
# A duration in the people's present perfect is their past: "we've been writing Scala for
# years", "the team has used Django for a decade" say how long they have known it, not how
# long this project will live ("it has been running for years" still says it lives long).
_DURATION = re.compile(r"\b(?:years?|decades?|long\s+time|months?)\b", re.IGNORECASE)
_PERFECT = re.compile(
    r"\b(?:we|i|they|team|devs|developers|engineers|everyone|everybody)"
    r"(?:'ve|'d|\s+(?:have|has|had))"
    r"\s+(?:(?!to\b)\w+\s+)?(?:been|used|done|written|worked|"
    r"coded|built|run|known|shipped|maintained|programmed)\b",
    re.IGNORECASE,
)
# What the team can do, not what it wants: "all of us very comfortable with type hints".
_SKILL_BEFORE = re.compile(
    r"\b(?:(?:comfortable|familiar|experienced|fluent|proficient|skilled|at\s+home)\s+"
    r"(?:with|in)|experience\s+(?:with|in))\s+(?:[\w.#+/'-]+[\s,]+){0,4}$",
    re.IGNORECASE,
)
# A skill reaches across "and" and commas ("experience with monitoring and tracing").
_SENTENCE_PART = re.compile(r"[.;:!?()]|\bbut\b", re.IGNORECASE)
_WEAK_AFTER = re.compile(r"^\s+(?:background|experience|veterans?)\b", re.IGNORECASE)
# Strength of evidence: a synonym names a value, a cue suggests it, `others` barely do.
DIRECT, CUE, OTHER, GROUPS = 1.0, 0.5, 0.25, 1.5
# What a team-size phrase counts: "a handful of (third-party APIs)". Up to 4 words after
# "of" ("a small team of backend Java engineers" keeps its noun in reach); people words beside
# the slot's own count and group nouns.
_OF_WHAT = re.compile(r"\s+of\s+([^,.;:!?()]*)", re.IGNORECASE)
_OF_WINDOW = 4
_PEOPLE = tuple(
    re.findall(
        r"\S+",
        """us them you people humans colleagues friends founders coworkers peers hires juniors
    seniors contractors freelancers volunteers students experts specialists hackers techies
    nerds teams members thousands hundreds dozens""",
    )
)
# "android developers" -> "an Android background": the people a cue names, by their past.
_ROLES = frozenset(
    re.findall(
        r"\S+",
        """developers devs engineers folks people team shop programmers developer dev engineer
    veterans background""",
    )
)
_PAST_OF = r"[\s-]+(?:background|experience|veterans?|world|crowd|alumni)(?![\w])"
# Phone keyboards type "don’t" (U+2019): read as "don't", or the negation and every phrase
# with an apostrophe ("i'm the only developer") are missed. One character for one, so the
# spans found in the translated text are the original's.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
# Between these a quoted "from" span may join two phrases ("poetry and pytest").
_JOINERS = re.compile(r"^(?:\s*(?:,|/|&|\+|and|or|plus|with)\s*)+$|^\s+$", re.IGNORECASE)


# After these a phrase may take a determiner it was written without: "close to visitors"
# reads "close to the visitors", "backend for mobile app" "backend for our mobile app".
_PREPOSITIONS = frozenset(["to", "near", "for", "of", "on", "at", "in", "with", "from", "into"])
_DETERMINERS = frozenset(["the", "our", "my", "your", "their", "a", "an", "its", "his", "her"])
_OPTIONAL_DETERMINER = r"(?:(?:the|our|my|your|their|a|an|its)[\s-]+)?"


def _words_pattern(words: list[str]) -> str:
    """`words` joined by spaces or hyphens, a determiner allowed after a preposition."""
    out = re.escape(words[0]) if words else ""
    for before, word in itertools.pairwise(words):
        joint = r"[\s-]+"
        if before.lower() in _PREPOSITIONS and word.lower() not in _DETERMINERS:
            joint += _OPTIONAL_DETERMINER
        out += joint + re.escape(word)
    return out


def _phrase_pattern(phrase: str) -> str:
    return rf"(?<![\w]){_words_pattern(phrase.split())}(?![\w])"


# Words that start a phrase without being its verb: no inflection after them.
_NOT_VERBS = frozenset(
    re.findall(
        r"\S+",
        """a an the our my your their no not one two three for in on at with of to and or per
    all any every most few many some so very too by via as is are just only""",
    )
)


def _inflected(phrase: str) -> tuple[str, str] | None:
    """A pattern for `phrase` with its first word in any tense ("crunch numbers": "crunches
    numbers", "crunched numbers", "crunching numbers"), and the rest of the phrase to index it
    by (the inflected word is not in the text as written); None when it has no verb to bend."""
    parts = phrase.strip().split()
    first = parts[0].lower() if parts else ""
    if not 2 <= len(parts) <= 4 or not first.isalpha() or len(first) < 3 or first in _NOT_VERBS:
        return None
    if first.endswith("e"):
        head = rf"{first[:-1]}(?:e|es|ed|ing)"
    elif first.endswith("y") and first[-2] not in "aeiou":
        head = rf"{first[:-1]}(?:y|ies|ied|ying)"
    elif first[-1] not in "aeiouwxy" and first[-2] in "aeiou" and first[-3] not in "aeiou":
        head = rf"{first}(?:s|ed|ing|{first[-1]}ed|{first[-1]}ing)?"  # ship: shipped, shipping
    else:
        head = rf"{first}(?:s|es|ed|ing)?"
    rest = _words_pattern(parts[1:])
    return rf"(?<![\w]){head}[\s-]+{rest}(?![\w])", " ".join(parts[1:])


@dataclass(frozen=True, slots=True)
class SlotMatch:
    """A phrase of the text read as a slot value (`strength`: how outright it says so)."""

    slot: str
    value: str
    start: int
    end: int
    phrase: str
    negated: bool = False
    strength: float = DIRECT


@dataclass(slots=True)
class Extraction:
    """What one message says: slot values, values and frameworks it rules out, needs, and the
    words behind each value."""

    values: dict[str, str] = field(default_factory=dict)
    negated: dict[str, list[str]] = field(default_factory=dict)
    matches: list[SlotMatch] = field(default_factory=list)
    # slot -> the user's words the value came from ("poetry and pytest").
    said: dict[str, str] = field(default_factory=dict)
    # Framework ids the user ruled out by name ("skip Django").
    excluded: list[str] = field(default_factory=list)
    # What the user needs, in their words, matched to the article's passages (bot.nlu.needs).
    needs: list[NeedMatch] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.values or self.negated or self.excluded or self.needs)

    def outright(self) -> bool:
        """True when the text states something outright: a synonym, a ruled-out value or
        framework, a need. Cues alone ("django's main strength") are a mention, not a fact."""
        strong = any(m.strength >= DIRECT and not m.negated for m in self.matches)
        return strong or bool(self.negated or self.excluded or self.needs)

    def explained(self, wishes: Collection[str] = ()) -> list[tuple[int, int]]:
        """Spans of the text the slots read (synonyms and cues): facts, not needs. The
        `wishes` slots' spans are left in: what matters most is a need too."""
        return [(m.start, m.end) for m in self.matches if m.slot not in wishes]

    def copy(self) -> Extraction:
        """A copy whose containers can change without touching this one (matches are frozen)."""
        return Extraction(
            dict(self.values),
            {slot: list(values) for slot, values in self.negated.items()},
            list(self.matches),
            dict(self.said),
            list(self.excluded),
            list(self.needs),
        )


# Quantities said only of groups: "many in-house teams", "multiple feature squads" (of
# people, "many people" is as often the users as the team).
_GROUP_WORDS = {"many": 4, "multiple": 3, "numerous": 4}
_GROUP_NUMBER = "(" + "|".join(_GROUP_WORDS) + "|" + _NUMBER[1:]


def _count_value(slot: Slot, number: str, groups: bool = False) -> str | None:
    text = re.sub(r"\s+", " ", number.lower())
    count = int(text) if text.isdigit() else _NUMBER_WORDS.get(text)
    if count is None and groups:
        count = _GROUP_WORDS.get(text)
    if count is None:
        return None
    for option in slot.options:
        bounds = option.groups if groups else option.count
        if bounds and bounds[0] <= count <= bounds[1]:
            return option.value
    return None


def _nouns(nouns: tuple[str, ...]) -> str:
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(nouns, key=len)[::-1])


_Pattern = tuple[str, re.Pattern[str], str, str, float]


class SlotExtractor:
    """Reads slot values out of free text using the cues declared in intents/slots.yaml.

    `frameworks` (framework id -> its names) lets a message rule frameworks out by name.
    """

    def __init__(
        self, spec: FormSpec, frameworks: dict[str, tuple[str, ...]] | None = None
    ) -> None:
        self.spec = spec
        # (phrase, pattern, slot, value, strength); a bare regex has no phrase.
        global_: list[_Pattern] = []
        pending_: dict[str, list[_Pattern]] = {}
        self._counts: list[tuple[Slot, re.Pattern[str], bool]] = []
        self._bare_counts: dict[str, re.Pattern[str]] = {}
        # Per slot that counts: the words for people its counts may be of.
        self._people = {
            slot.name: frozenset(
                w
                for noun in (*slot.count_nouns, *slot.group_nouns, *_PEOPLE)
                for w in noun.lower().split()
            )
            for slot in spec.slots
            if slot.count_nouns
        }
        for slot in spec.slots:
            pending = pending_.setdefault(slot.name, [])
            for option in slot.options:
                for phrase, strength in [
                    *((p, DIRECT) for p in option.synonyms),
                    *((p, CUE) for p in option.cues),
                ]:
                    pattern = re.compile(_phrase_pattern(phrase), re.IGNORECASE)
                    global_.append((phrase, pattern, slot.name, option.value, strength))
                    bent = _inflected(phrase)
                    if bent is not None:
                        pattern = re.compile(bent[0], re.IGNORECASE)
                        global_.append((bent[1], pattern, slot.name, option.value, strength))
                for raw in option.patterns:
                    pattern = re.compile(raw, re.IGNORECASE)
                    global_.append(("", pattern, slot.name, option.value, DIRECT))
                extra = {*option.answers, option.label.lower(), option.value.replace("_", " ")}
                for phrase in extra:
                    pattern = re.compile(_phrase_pattern(phrase), re.IGNORECASE)
                    pending.append((phrase, pattern, slot.name, option.value, DIRECT))
            if slot.background:
                # A family named by its people ("android developers", "rails devs") also
                # speaks through their past: "an Android background", "the Rails world".
                heads = [
                    (phrase, option.value, CUE)
                    for option in slot.options
                    for phrase in (*option.synonyms, *option.cues)
                ] + [(phrase, slot.several_values or "", OTHER) for phrase in slot.others]
                for phrase, value, strength in heads:
                    parts = phrase.lower().split()
                    if len(parts) < 2 or parts[-1] not in _ROLES or not value:
                        continue
                    head = " ".join(parts[:-1])
                    body = re.escape(head).replace(r"\ ", r"[\s-]+")
                    pattern = re.compile(rf"(?<![\w]){body}{_PAST_OF}", re.IGNORECASE)
                    global_.append((head, pattern, slot.name, value, strength))
            if slot.several_values:
                for phrase in slot.others:
                    pattern = re.compile(_phrase_pattern(phrase), re.IGNORECASE)
                    global_.append((phrase, pattern, slot.name, slot.several_values, OTHER))
            if slot.count_nouns:
                nouns = _nouns(slot.count_nouns)
                # "three Python devs", "team of 5", "5 of us": the number says the value.
                self._counts.append(
                    (
                        slot,
                        re.compile(
                            rf"(?<![\w]){_NUMBER}(?:[\s-]+[\w.+#/]+){{0,2}}?[\s-]+(?:{nouns})(?![\w])",
                            re.IGNORECASE,
                        ),
                        False,
                    )
                )
                self._counts.append(
                    (slot, re.compile(rf"(?<=team of\s){_NUMBER}(?![\w])", re.IGNORECASE), False)
                )
                self._bare_counts[slot.name] = re.compile(
                    rf"^\s*(?:we\s+are\s+|we're\s+|about\s+|around\s+)?{_NUMBER}\s*\.?\s*$",
                    re.IGNORECASE,
                )
            if slot.group_nouns:
                # "four product teams", "a dozen squads".
                groups = _nouns(slot.group_nouns)
                self._counts.append(
                    (
                        slot,
                        re.compile(
                            rf"(?<![\w]){_GROUP_NUMBER}(?:\s+[\w-]+){{0,3}}?\s+(?:{groups})(?![\w])",
                            re.IGNORECASE,
                        ),
                        True,
                    )
                )
        self._global = WordIndex((entry[0], entry) for entry in global_)
        self._pending = {
            name: WordIndex((entry[0], entry) for entry in entries)
            for name, entries in pending_.items()
        }
        # An item of a terse list ("ts, edge, small") is the short answer it would be to its
        # slot's question: each answer word -> the (slot, value)s it answers.
        self._answers: dict[str, list[tuple[str, str]]] = {}
        for entries in pending_.values():
            for phrase, _, slot_name, value, _ in entries:
                self._answers.setdefault(phrase.lower(), []).append((slot_name, value))
        # A chat's message is read up to three times (the prefetch asks whether and which
        # clauses to encode, then the turn reads it): 0.1 to 0.3 ms each on the event loop.
        self._recent: LRUCache[tuple[str, str | None], Extraction] = LRUCache(maxsize=256)
        self._recent_lock = threading.Lock()  # the prefetch may read from the model's thread
        self._frameworks: list[tuple[str, re.Pattern[str]]] = []
        for fid, names in (frameworks or {}).items():
            body = "|".join(
                re.escape(n.strip()).replace(r"\ ", r"[\s-]+")
                for n in sorted(set(names), key=len, reverse=True)
            )
            self._frameworks.append((fid, re.compile(rf"(?<![\w])(?:{body})(?![\w])", re.I)))

    def _counts_people(self, slot: Slot, text: str, end: int) -> bool:
        """False when the phrase ending at `end` counts things other than people: "a handful
        | of third-party APIs", "a couple | of services"; "a small team | of engineers",
        "an org | of 300" and a phrase without "of" count people."""
        after = _OF_WHAT.match(text, end)
        if after is None:
            return True
        words = re.findall(r"[\w'-]+", after.group(1).lower())[:_OF_WINDOW]
        people = self._people[slot.name]
        return any(w in people or w.isdigit() or w in _NUMBER_WORDS for w in words)

    @classmethod
    def for_knowledge(cls, spec: FormSpec, kb: KnowledgeBase) -> SlotExtractor:
        """An extractor that also reads frameworks ruled out by name or alias ("skip Django")."""
        names = {f.id: (f.name, *f.aliases) for f in kb.frameworks.values()}
        return cls(spec, names)

    def extract(self, text: str, pending: str | None = None) -> Extraction:
        """Slot values in `text`; `pending` (the slot being asked) also accepts short answers."""
        key = (text, pending)
        with self._recent_lock:
            known = self._recent.get(key)
        if known is None:
            known = self._extract(text, pending)
            with self._recent_lock:
                self._recent[key] = known
        return known.copy()

    def _extract(self, text: str, pending: str | None) -> Extraction:
        original, text = text, text.translate(_APOSTROPHES)
        candidates: list[SlotMatch] = []
        text_words = words(text)
        patterns = self._global.candidates(text_words)
        if pending in self._pending:
            patterns += self._pending[pending].candidates(text_words)
        for _, pattern, slot_name, value, strength in patterns:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    candidates.append(
                        SlotMatch(
                            slot_name, value, m.start(), m.end(), m.group(0), False, strength
                        )
                    )
        for start, end in _list_items(text):
            for slot_name, value in self._answers.get(text[start:end].lower(), ()):
                if slot_name != pending:  # a pending slot's answers were read above
                    candidates.append(
                        SlotMatch(slot_name, value, start, end, text[start:end], False, DIRECT)
                    )
        count_patterns = list(self._counts)
        if pending in self._bare_counts:
            count_patterns.append((self.spec.slot(pending), self._bare_counts[pending], False))
        for slot, pattern, groups in count_patterns:
            for m in pattern.finditer(text):
                counted = _count_value(slot, m.group(1), groups)
                if counted is not None:
                    # The whole phrase ("three Python devs") is what the value came from.
                    start, end = m.span()
                    strength = GROUPS if groups else DIRECT
                    candidates.append(
                        SlotMatch(slot.name, counted, start, end, m.group(0), False, strength)
                    )
        # Within a slot: longest phrase first; among equals, the earlier one.
        candidates.sort(key=lambda c: (-(c.end - c.start), c.slot != pending, c.start))
        taken: list[SlotMatch] = []
        for cand in candidates:
            if any(
                cand.slot == t.slot and cand.start < t.end and t.start < cand.end for t in taken
            ):
                continue
            taken.append(cand)
        taken.sort(key=lambda c: (c.start, c.slot))
        out = Extraction()
        positive: dict[str, list[SlotMatch]] = {}
        for match in taken:
            negation = _negation(text, match.start, match.end)
            if negation is None:
                continue
            negated = negation
            if match.strength < DIRECT and _in_question(text, match.start):
                continue  # "does Django have an admin?" asks about Django, says nothing of us
            slot = self.spec.slot(match.slot)
            if slot.wish and _SKILL_BEFORE.search(_SENTENCE_PART.split(text[: match.start])[-1]):
                continue  # "comfortable with type hints" is a skill, not a priority
            if slot.count_nouns and not self._counts_people(slot, text, match.end):
                continue  # "a handful of third-party APIs" counts APIs, not the team
            if _DURATION.search(match.phrase) and _PERFECT.search(
                _CLAUSE_BREAK.split(text[: match.start])[-1]
            ):
                continue  # "we've been writing Scala for years": their past, not its future
            weak = _is_weak(text, match.start, match.end)
            if weak and not slot.background:
                continue  # "I used to build Android apps" is not this project's workload
            strength = match.strength * (0.5 if weak else 1)
            kept = SlotMatch(
                match.slot, match.value, match.start, match.end, match.phrase, negated, strength
            )
            out.matches.append(kept)
            if negated:
                # Only a value named outright is ruled out: "skip Django" is not "not Python".
                if match.strength < DIRECT:
                    continue
                values = out.negated.setdefault(match.slot, [])
                if match.value not in values:
                    values.append(match.value)
            else:
                positive.setdefault(match.slot, []).append(kept)
        for slot_name, matches in positive.items():
            slot = self.spec.slot(slot_name)
            value, support = _decide(slot, matches, out.negated.get(slot_name, ()))
            out.values[slot_name] = value
            out.said[slot_name] = _quote(original, support)
        for slot_name in list(out.negated):
            kept_values = [v for v in out.negated[slot_name] if v != out.values.get(slot_name)]
            if kept_values:
                out.negated[slot_name] = kept_values
            else:
                del out.negated[slot_name]
        for fid, pattern in self._frameworks:
            for m in pattern.finditer(text):
                if _is_negated(text, m.start(), m.end()) and fid not in out.excluded:
                    out.excluded.append(fid)
        return out


# A terse list: at least two items, each of at most three words ("py, content, small").
_ITEM = re.compile(r"[^,;/]+")
_LIST_ITEM_WORDS = 3


def _list_items(text: str) -> list[tuple[int, int]]:
    """The items' spans when `text` is a terse list, else none."""
    spans = []
    for m in _ITEM.finditer(text):
        a, b = m.span()
        while a < b and not text[a].isalnum():
            a += 1
        while b > a and not text[b - 1].isalnum():
            b -= 1
        if b > a:
            spans.append((a, b))
    if len(spans) < 2 or any(len(text[a:b].split()) > _LIST_ITEM_WORDS for a, b in spans):
        return []
    return spans


def _decide(
    slot: Slot, matches: list[SlotMatch], ruled_out: Collection[str] = ()
) -> tuple[str, list[SlotMatch]]:
    """The value `matches` support best, and the matches behind it; a value the same message
    rules out outright (`ruled_out`) does not make a mixed team."""
    evidence: dict[str, float] = {}
    for m in matches:
        evidence[m.value] = evidence.get(m.value, 0.0) + m.strength
    several = slot.several_values
    if several is not None:
        named = [
            v
            for v in evidence
            if v != several
            and sum(m.strength for m in matches if m.value == v and m.strength >= DIRECT) >= DIRECT
        ]
        # "our Java devs are moving to TypeScript ... without Java": the language they leave
        # is their past, not a second language of this project.
        named = [v for v in named if v not in ruled_out] or named
        said_several = any(m.value == several and m.strength >= DIRECT for m in matches)
        if said_several or len(named) >= 2:
            support = [m for m in matches if m.value in named or m.value == several]
            return several, [m for m in support if m.strength >= DIRECT] or support
        if named:
            return named[0], [m for m in matches if m.value == named[0]]
        supported = {v: e for v, e in evidence.items() if v != several}
        if not supported:
            return several, matches
        evidence = supported
    # A cue never outvotes a synonym, however many cues there are: "a REST API for a mobile
    # app, plus admin for staff" is a content product (two API cues tied one "admin").
    named_values = {m.value for m in matches if m.strength >= DIRECT}
    if named_values:
        evidence = {v: e for v, e in evidence.items() if v in named_values}
    order: dict[str, int] = {}
    for n, m in enumerate(matches):
        order.setdefault(m.value, n)
    best = max(evidence, key=lambda v: (evidence[v], -order[v]))
    return best, [m for m in matches if m.value == best]


def _quote(text: str, matches: list[SlotMatch]) -> str:
    """The user's words behind a value: phrases joined by "and"/commas read as one span."""
    spans: list[list[int]] = []
    for m in sorted(matches, key=lambda m: m.start):
        if spans and (m.start <= spans[-1][1] or _JOINERS.match(text[spans[-1][1] : m.start])):
            spans[-1][1] = max(spans[-1][1], m.end)
        else:
            spans.append([m.start, m.end])
    return ", ".join(text[a:b] for a, b in spans[:3])


def _negation(text: str, start: int, end: int) -> bool | None:
    """True when the phrase is ruled out, None when a negation is about something else."""
    if _NEGATION_BREAKERS.intersection(re.findall(r"\w+", text[start:end].lower())):
        return False  # "we can't hire fast enough" says hiring matters
    before = text[:start]
    if _NEGATING_PHRASES.search(before[-60:]):
        return True
    if _ONLY.search(before[-30:]):
        return False
    clause = _CLAUSE_BREAK.split(before.lower())[-1]
    nobody = _NOBODY.search(clause)
    if nobody is not None:
        later = re.findall(r"[\w']+", clause[nobody.end() :])
        return None if _NEGATION_BREAKERS.intersection(later) else True
    words = re.findall(r"[\w']+", clause)[-_NEGATION_WINDOW:]
    for n, word in enumerate(words):
        if word in _NEGATIONS or word.endswith("n't"):
            # "we can't hire Rust people": neither a Rust team nor a ban on Rust.
            if any(w in _NEGATION_BREAKERS for w in words[n + 1 :]):
                return None
            # "we don't want to write admin screens by hand": they want one, built in.
            return not _DIY.match(_CLAUSE_BREAK.split(text[end : end + 60])[0])
    return bool(_NEGATED_AFTER.match(text[end : end + 80]))


def _is_negated(text: str, start: int, end: int) -> bool:
    return bool(_negation(text, start, end))


def _in_question(text: str, start: int) -> bool:
    """True when the sentence around `start` ends with a question mark."""
    end = re.search(r"[.!?\n]", text[start:])
    return end is not None and end.group(0) == "?"


def _is_weak(text: str, start: int, end: int) -> bool:
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    return (
        bool(_WEAK_BEFORE.search(clause[-40:]))
        or bool(_WEAK_NEAR.search(clause[-60:]))
        or bool(_WEAK_AFTER.match(text[end:]))
    )
