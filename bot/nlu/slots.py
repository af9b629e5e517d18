"""Free text -> slot values: synonyms as whole words, head counts, negation, no double use.

Every phrase of every slot option is a candidate; the longest candidates win and claim their
characters, so one phrase never fills two slots ("Spring shop" is a language, not also a
framework mention; "startup time" is deployment, not team size).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.form import FormSpec, Slot

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
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a dozen": 12,
    "dozen": 12,
    "a couple of": 2,
    "couple of": 2,
    "a pair of": 2,
    "a few": 3,
    "few": 3,
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
    ]
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?()]|\bbut\b|\band\b")
# How far back a negation reaches: "we don't really need an admin" still negates "admin".
_NEGATION_WINDOW = 4


def _phrase_pattern(phrase: str) -> str:
    body = re.escape(phrase.strip()).replace(r"\ ", r"[\s-]+")
    return rf"(?<![\w]){body}(?![\w])"


def _needle(phrase: str) -> str:
    """A substring every match of the phrase contains (lowercased): its longest word."""
    return max(phrase.strip().lower().split(), key=len, default="")


@dataclass(frozen=True, slots=True)
class SlotMatch:
    """A phrase of the text read as a slot value."""

    slot: str
    value: str
    start: int
    end: int
    phrase: str
    negated: bool = False


@dataclass(slots=True)
class Extraction:
    """What one message says: slot values, values it rules out, and the phrases behind them."""

    values: dict[str, str] = field(default_factory=dict)
    negated: dict[str, list[str]] = field(default_factory=dict)
    matches: list[SlotMatch] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.values or self.negated)


def _count_value(slot: Slot, number: str) -> str | None:
    text = re.sub(r"\s+", " ", number.lower())
    count = int(text) if text.isdigit() else _NUMBER_WORDS.get(text)
    if count is None:
        return None
    for option in slot.options:
        if option.count and option.count[0] <= count <= option.count[1]:
            return option.value
    return None


class SlotExtractor:
    """Reads slot values out of free text using the synonyms declared in intents/slots.yaml."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        # (needle, pattern, slot, value): a phrase whose needle is absent cannot match, and
        # skipping its regex makes a message cost 0.1 ms instead of 0.5 (about 400 phrases).
        self._global: list[tuple[str, re.Pattern[str], str, str]] = []
        self._pending: dict[str, list[tuple[str, re.Pattern[str], str, str]]] = {}
        self._counts: list[tuple[Slot, re.Pattern[str]]] = []
        self._bare_counts: dict[str, re.Pattern[str]] = {}
        for slot in spec.slots:
            pending = self._pending.setdefault(slot.name, [])
            for option in slot.options:
                for phrase in option.synonyms:
                    pattern = re.compile(_phrase_pattern(phrase), re.IGNORECASE)
                    self._global.append((_needle(phrase), pattern, slot.name, option.value))
                extra = {*option.answers, option.label.lower(), option.value.replace("_", " ")}
                for phrase in extra:
                    pattern = re.compile(_phrase_pattern(phrase), re.IGNORECASE)
                    pending.append((_needle(phrase), pattern, slot.name, option.value))
            if slot.count_nouns:
                nouns = "|".join(
                    re.escape(n).replace(r"\ ", r"\s+")
                    for n in sorted(slot.count_nouns, key=len, reverse=True)
                )
                # "three Python devs", "team of 5", "5 of us": the number is the phrase.
                self._counts.append(
                    (
                        slot,
                        re.compile(
                            rf"(?<![\w]){_NUMBER}(?=(?:\s+[\w.+#/-]+){{0,2}}?\s+(?:{nouns})(?![\w]))",
                            re.IGNORECASE,
                        ),
                    )
                )
                self._counts.append(
                    (slot, re.compile(rf"(?<=team of\s){_NUMBER}(?![\w])", re.IGNORECASE))
                )
                self._bare_counts[slot.name] = re.compile(
                    rf"^\s*(?:we\s+are\s+|we're\s+|about\s+|around\s+)?{_NUMBER}\s*\.?\s*$",
                    re.IGNORECASE,
                )

    def extract(self, text: str, pending: str | None = None) -> Extraction:
        """Slot values in `text`; `pending` (the slot being asked) also accepts short answers."""
        candidates: list[SlotMatch] = []
        patterns = list(self._global)
        if pending in self._pending:
            patterns += self._pending[pending]
        lowered = text.lower()
        for needle, pattern, slot_name, value in patterns:
            if needle not in lowered:
                continue
            for m in pattern.finditer(text):
                candidates.append(SlotMatch(slot_name, value, m.start(), m.end(), m.group(0)))
        count_patterns = list(self._counts)
        if pending in self._bare_counts:
            count_patterns.append((self.spec.slot(pending), self._bare_counts[pending]))
        for slot, pattern in count_patterns:
            for m in pattern.finditer(text):
                value = _count_value(slot, m.group(1))
                if value is not None:
                    start, end = m.span(1)
                    candidates.append(SlotMatch(slot.name, value, start, end, m.group(1)))
        # Longest phrase first; among equals, the earlier one; pending-slot readings win ties.
        candidates.sort(key=lambda c: (-(c.end - c.start), c.slot != pending, c.start))
        taken: list[SlotMatch] = []
        for cand in candidates:
            if any(cand.start < t.end and t.start < cand.end for t in taken):
                continue
            taken.append(cand)
        taken.sort(key=lambda c: c.start)
        out = Extraction()
        positive: dict[str, list[str]] = {}
        for match in taken:
            negated = _is_negated(text, match.start)
            out.matches.append(
                SlotMatch(match.slot, match.value, match.start, match.end, match.phrase, negated)
            )
            if negated:
                values = out.negated.setdefault(match.slot, [])
                if match.value not in values:
                    values.append(match.value)
            else:
                values = positive.setdefault(match.slot, [])
                if match.value not in values:
                    values.append(match.value)
        for slot_name, values in positive.items():
            slot = self.spec.slot(slot_name)
            if len(values) > 1 and slot.several_values:
                out.values[slot_name] = slot.several_values
            else:
                out.values[slot_name] = values[0]
        for slot_name in list(out.negated):
            kept = [v for v in out.negated[slot_name] if v != out.values.get(slot_name)]
            if kept:
                out.negated[slot_name] = kept
            else:
                del out.negated[slot_name]
        return out


def _is_negated(text: str, start: int) -> bool:
    before = text[:start]
    clause = _CLAUSE_BREAK.split(before.lower())[-1]
    words = re.findall(r"[\w']+", clause)[-_NEGATION_WINDOW:]
    return any(w in _NEGATIONS or w.endswith("n't") for w in words)
