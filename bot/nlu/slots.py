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

import functools
import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cachetools import LRUCache

from bot.form import FormSpec, Slot
from bot.knowledge import KnowledgeBase
from bot.knowledge.mentions import LANGUAGE_WORDS
from bot.knowledge.phrases import WordIndex, words
from bot.nlu.matches import NeedMatch
from bot.text import (
    Phrases,
    asks_at,
    clause_end,
    grammar,
    list_items,
    negation,
    scope_start,
    sentence_start,
    straight,
    verb_forms,
)
from bot.text import words as text_words
from bot.text.phrases import phrase_body

if TYPE_CHECKING:
    from collections.abc import Collection

# Strength of evidence: a synonym names a value, a cue suggests it, `others` barely do.
DIRECT, CUE, OTHER, GROUPS = 1.0, 0.5, 0.25, 1.5
# A team-size phrase's "of" reaches this many words: "a small team of backend Java engineers"
# keeps its noun in reach; "a handful of third-party APIs" counts APIs.
_OF_WINDOW = 4
# Items of a terse list ("py, content, small") have at most this many words each.
_LIST_ITEM_WORDS = 3
# How far back (characters of the clause) a word that puts a phrase in the past or in
# someone else's mouth reaches: "our CTO used to do Java".
_PAST_REACH = 40


def _number() -> str:
    """A count as a regex group: digits or a number word of intents/text.yaml."""
    names = sorted(grammar().numbers, key=len, reverse=True)
    return r"(\d{1,6}|" + "|".join(phrase_body(w) for w in names) + ")"


def _group_number() -> str:
    """A count of groups: a number, or a quantity said only of groups ("many teams")."""
    quantities = "|".join(phrase_body(w) for w in grammar().group_numbers)
    return f"({quantities}|" + _number()[1:]


def _words_pattern(words: list[str]) -> str:
    """`words` joined by spaces or hyphens, a determiner allowed after a preposition."""
    g = grammar()
    optional = rf"(?:(?:{g.determiners.body})[\s-]+)?"
    out = re.escape(words[0]) if words else ""
    for before, word in itertools.pairwise(words):
        joint = r"[\s-]+"
        if before.lower() in g.prepositions and word.lower() not in g.determiners.words:
            joint += optional
        out += joint + re.escape(word)
    return out


def _phrase_pattern(phrase: str) -> str:
    return rf"(?<![\w]){_words_pattern(phrase.split())}(?![\w])"


def _inflected(phrase: str) -> tuple[str, str] | None:
    """A pattern for `phrase` with its first word in any tense ("crunch numbers": "crunches
    numbers", "crunched numbers", "crunching numbers"), and the rest of the phrase to index it
    by (the inflected word is not in the text as written); None when it has no verb to bend."""
    parts = phrase.strip().split()
    first = parts[0].lower() if parts else ""
    if (
        not 2 <= len(parts) <= 4
        or not first.isalpha()
        or len(first) < 3
        or first in grammar().not_verbs
    ):
        return None
    head = "(?:" + "|".join(map(re.escape, verb_forms(first))) + ")"
    rest = _words_pattern(parts[1:])
    return rf"(?<![\w]){head}[\s-]+{rest}(?![\w])", " ".join(parts[1:])


def _other_number(phrase: str, people: frozenset[str]) -> tuple[str, str] | None:
    """A pattern for `phrase` ending in a word for people with that word in its other number
    ("go devs": "a go dev"; "rails developer": "rails developers"), and the rest of the phrase
    to index it by; None when it names no people, or the word has one number only."""
    parts = phrase.strip().lower().split()
    if len(parts) < 2 or parts[-1] not in people:
        return None
    last = parts[-1]
    other = last[:-1] if last.endswith("s") else last + "s"
    if other not in people:
        return None
    head = _words_pattern(parts[:-1])
    return rf"(?<![\w]){head}[\s-]+{re.escape(other)}(?![\w])", " ".join(parts[:-1])


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


def _count_value(slot: Slot, number: str, groups: bool = False) -> str | None:
    """The value of `slot` a count ("three", "12", "many" of groups) falls in, or None."""
    g = grammar()
    text = " ".join(number.lower().replace("-", " ").split())
    count = int(text) if text.isdigit() else g.numbers.get(text)
    if count is None and groups:
        count = g.group_numbers.get(text)
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
        g = grammar()
        people = g.people
        # Per slot that counts: the words for people its counts may be of.
        self._people = {
            slot.name: frozenset(
                w
                for noun in (*slot.count_nouns, *slot.group_nouns, *people.others.phrases)
                for w in noun.lower().split()
            )
            for slot in spec.slots
            if slot.count_nouns
        }
        # A phrase ending with one of these names people ("android developers"), who speak
        # through their past too ("an Android background").
        roles = (people.builders | people.anyone | g.past.after).words
        builders = people.builders.words
        past_of = rf"[\s-]+{g.past.after.group()}"
        number, counted = _number(), g.count_openers.group()
        for slot in spec.slots:
            pending = pending_.setdefault(slot.name, [])
            for option in slot.options:
                for phrase, strength in [
                    *((p, DIRECT) for p in option.synonyms),
                    *((p, CUE) for p in option.cues),
                ]:
                    pattern = re.compile(_phrase_pattern(phrase), re.IGNORECASE)
                    global_.append((phrase, pattern, slot.name, option.value, strength))
                    for bent in (_inflected(phrase), _other_number(phrase, builders)):
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
                    if len(parts) < 2 or parts[-1] not in roles or not value:
                        continue
                    head = " ".join(parts[:-1])
                    body = re.escape(head).replace(r"\ ", r"[\s-]+")
                    pattern = re.compile(rf"(?<![\w]){body}{past_of}", re.IGNORECASE)
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
                            rf"(?<![\w]){number}(?:[\s-]+[\w.+#/]+){{0,2}}?[\s-]+(?:{nouns})(?![\w])",
                            re.IGNORECASE,
                        ),
                        False,
                    )
                )
                self._counts.append(
                    (slot, re.compile(rf"(?<=team of\s){number}(?![\w])", re.IGNORECASE), False)
                )
                self._bare_counts[slot.name] = re.compile(
                    rf"^\s*(?:{counted}\s+)?{number}\s*\.?\s*$",
                    re.IGNORECASE,
                )
            if slot.group_nouns:
                # "four product teams", "a dozen squads".
                groups = _nouns(slot.group_nouns)
                self._counts.append(
                    (
                        slot,
                        re.compile(
                            rf"(?<![\w]){_group_number()}(?:\s+[\w-]+){{0,3}}?\s+(?:{groups})(?![\w])",
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
        after = _markers().of.match(text, end)
        if after is None:
            return True
        counted = text_words(text[after.end() : clause_end(text, after.end())])[:_OF_WINDOW]
        people, numbers = self._people[slot.name], grammar().numbers
        return any(w in people or w.isdigit() or w in numbers for w in counted)

    @classmethod
    def for_knowledge(cls, spec: FormSpec, kb: KnowledgeBase) -> SlotExtractor:
        """An extractor that also reads frameworks ruled out by name or alias ("skip Django").

        A language's name rules out its language, the team_language slot's value, and so
        every framework written in it; not a framework it is an alias of. "we're on kotlin,
        not java" says the language once and rules nothing out (Spring Boot has "java" among
        its aliases)."""
        names = {
            f.id: tuple(n for n in (f.name, *f.aliases) if n.lower() not in LANGUAGE_WORDS)
            for f in kb.frameworks.values()
        }
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
        original, text = text, straight(text)
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
            negated = negation(text, match.start, match.end)
            if negated is None:
                continue
            if match.strength < DIRECT and asks_at(text, match.start):
                continue  # "does Django have an admin?" asks about Django, says nothing of us
            slot = self.spec.slot(match.slot)
            if slot.wish and _is_skill(text, match.start):
                continue  # "comfortable with type hints" is a skill, not a priority
            if slot.count_nouns and not self._counts_people(slot, text, match.end):
                continue  # "a handful of third-party APIs" counts APIs, not the team
            if grammar().past.durations.search(match.phrase) and _markers().perfect.search(
                text, scope_start(text, match.start), match.start
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
                if negation(text, m.start(), m.end()) and fid not in out.excluded:
                    out.excluded.append(fid)
        return out


def _list_items(text: str) -> list[tuple[int, int]]:
    """The items' spans when `text` is a terse list, else none."""
    spans = list_items(text, terse=True)
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
    joiners = _markers().joiners
    for m in sorted(matches, key=lambda m: m.start):
        if spans and (m.start <= spans[-1][1] or joiners.match(text[spans[-1][1] : m.start])):
            spans[-1][1] = max(spans[-1][1], m.end)
        else:
            spans.append([m.start, m.end])
    return ", ".join(text[a:b] for a, b in spans[:3])


@dataclass(frozen=True, slots=True)
class _Markers:
    """Patterns the extractor builds from intents/text.yaml's words."""

    perfect: re.Pattern[str]
    past_after: re.Pattern[str]
    of: re.Pattern[str]
    joiners: re.Pattern[str]


@functools.cache
def _markers() -> _Markers:
    g = grammar()
    past, people = g.past, g.people
    subjects = people.first_person | people.builders | people.everyone
    attached = [re.escape(a) for a in past.perfect_auxiliaries if a.startswith("'")]
    auxiliaries = Phrases(a for a in past.perfect_auxiliaries if not a.startswith("'"))
    joiners = "|".join(re.escape(j) for j in g.joiners)
    contracted = "|".join(attached)
    return _Markers(
        # "we've been writing", "the team has used": the people's present perfect.
        perfect=re.compile(
            rf"{subjects.group()}(?:{contracted}|\s+{auxiliaries.group()})"
            rf"\s+(?:(?!to\b)\w+\s+)?{past.perfect_participles.group()}",
            re.IGNORECASE,
        ),
        past_after=re.compile(rf"\s+{past.after.group()}", re.IGNORECASE),
        of=re.compile(r"\s+of\s+", re.IGNORECASE),
        joiners=re.compile(rf"^(?:\s*(?:{joiners})\s*)+$|^\s+$", re.IGNORECASE),
    )


def _is_skill(text: str, start: int) -> bool:
    """True when a skill word ("comfortable with") stands shortly before `start` in its
    sentence, commas and "and" allowed between ("experience with monitoring and tracing")."""
    g = grammar()
    for m in g.skills.finditer(text, sentence_start(text, start), start):
        between = text[m.end() : start]
        if len(text_words(between)) <= g.skill_window and not g.clauses.opening.search(between):
            return True
    return False


def _is_weak(text: str, start: int, end: int) -> bool:
    """True when the phrase at text[start:end] is in the past or in someone else's mouth."""
    past = grammar().past
    begin = scope_start(text, start)
    if past.before.search(text, max(begin, start - _PAST_REACH), start):
        return True
    for m in past.near.finditer(text, begin, start):
        between = text[m.end() : start]
        if len(text_words(between)) <= past.near_window and not past.present.search(between):
            return True
    return bool(_markers().past_after.match(text, end))
