"""What a free-text message means, given where the conversation is: one `interpret` call.

The policy that used to live in the engine's text handler: exact keywords first, then "change
the X", then intent, slot values and named frameworks read together. The engine only acts on
the `Meaning` it gets back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.form import FormSpec
from bot.knowledge import KnowledgeBase
from bot.knowledge.mentions import (
    compares,
    framework_spans,
    mentioned_frameworks,
    mentioned_uncovered,
    named_within,
)
from bot.nlu.intents import IntentClassifier, normalise
from bot.nlu.needs import DescriptionReader
from bot.nlu.slots import Extraction, SlotExtractor
from bot.text import Phrases, grammar, has_list
from bot.text import clauses as _clauses
from bot.text import is_question as _is_question

if TYPE_CHECKING:
    import numpy as np

    from bot.embedding import Embedder
    from bot.nlu.spelling import Speller
    from bot.replies import DialogueState

# The slots that describe the team itself (its language, its size).
_TEAM_SLOTS = frozenset({"team_language", "team_size"})
# A question longer than this that names a framework asks about it, not the team: the
# follow-ups' elliptical messages ("and what about node then?") are 6 words at most.
MAX_SHORT_ANSWER = 6


@dataclass(frozen=True, slots=True)
class _Voices:
    """Who a message speaks for and what it asks for, from intents/text.yaml's words."""

    # A pick asked for in the user's voice asks which or what ("which should we use", "what
    # would you suggest"); "how should I pick" and "can we use one language" ask about the
    # article.
    pick: re.Pattern[str]
    # The nouns for a team that a team slot qualifies inside a question ("a Python team";
    # "can I use typescript" names no team).
    crew: Phrases
    # The user's own voice inside a question: "which should we pick", "what would you
    # suggest". Team nouns ("staff a team", "java people") inside a question name whom the
    # question is about, not who asks.
    person: Phrases
    # Words that make a message about the user's own team or project ("we", "our devs", "a
    # startup"): outside the form, only such a message, a request for a pick or two facts at
    # once starts the form. Without this, 78 of dev's 215 in-scope questions ("node
    # downsides", "learning curve of spring") were read as a team description and answered
    # with the form.
    own: Phrases
    # How fast a service starts, not a young company: "micronaut startup time".
    starting: re.Pattern[str]
    # "change the team size", "edit my answers": the words for the Change buttons.
    change: re.Pattern[str]


@functools.cache
def _voices() -> _Voices:
    g = grammar()
    people = g.people
    startup = people.startup_words.group()
    return _Voices(
        pick=re.compile(rf"^\s*{g.questions.which.group()}", re.IGNORECASE),
        crew=people.builders | people.anyone | people.organisations,
        person=people.first_person | people.second_person,
        own=people.first_person | people.builders | people.organisations,
        starting=re.compile(
            rf"{people.startup_speed_before.group()}\s+{startup}"
            rf"|{startup}\s+{people.startup_speed_after.group()}",
            re.IGNORECASE,
        ),
        change=re.compile(
            rf"^\s*{g.change_verbs.group()}\s+(?:{g.change_determiners.group()}\s+)?"
            r"(.+?)\s*[.!?]?\s*$",
            re.IGNORECASE,
        ),
    )


# intent: a named intent (skip, greet, ...); change: re-ask `slot` (None: the list);
# compare: `frameworks` side by side; ask: answer from the article; fill: slot values;
# unclear: in the form, neither an answer nor anything else we know.
Act = Literal["intent", "change", "compare", "ask", "fill", "unclear"]


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a message asks for, with what was read out of it on the way."""

    act: Act
    intent: str | None = None
    slot: str | None = None
    frameworks: tuple[str, ...] = ()
    extraction: Extraction = field(default_factory=Extraction)
    vector: np.ndarray | None = None
    # The text `vector` encodes: the message with its typos mended ("" when not encoded).
    text: str = ""


class Interpreter:
    """Reads free text with the intent classifier, the slot extractor and the framework names."""

    def __init__(
        self,
        spec: FormSpec,
        kb: KnowledgeBase,
        embedder: Embedder,
        classifier: IntentClassifier,
        extractor: SlotExtractor,
        speller: Speller | None = None,
        reader: DescriptionReader | None = None,
    ) -> None:
        self.spec, self.kb, self.embedder = spec, kb, embedder
        self.classifier, self.extractor = classifier, extractor
        self.speller, self.reader = speller, reader

    def mended(self, text: str) -> str:
        """`text` with its typos mended by the speller, then by the reader's (the form's words)."""
        if self.speller is not None:
            text = self.speller.correct(text)
        return self.reader.mend(text) if self.reader is not None else text

    def needs_model(self, text: str) -> bool:
        """True when `interpret(text, ...)` runs the embedder (no exact keyword)."""
        return self.classifier.keyword(text) is None

    def _change(self, text: str) -> tuple[bool, str | None]:
        """(True, slot or None for "any answer") when `text` asks to change an answer."""
        match = _voices().change.match(text)
        if not match:
            return False, None
        wanted = normalise(match.group(1))
        if wanted in grammar().change_anything:
            return True, None
        for slot in self.spec.slots:
            words = {slot.title.lower(), slot.name.replace("_", " ")}
            words |= set(slot.name.split("_")) - {"team"}  # "team" names two slots
            if wanted in words:
                return True, slot.name
        return False, None

    def _names_framework(self, words: str) -> bool:
        return bool(mentioned_frameworks(words, self.kb))

    def interpret(self, text: str, state: DialogueState) -> Meaning:
        """The meaning of `text` in `state` (mode and pending question matter)."""
        keyword = self.classifier.keyword(text)
        if keyword is not None:
            return Meaning("intent", intent=keyword)
        if state.mode != "idle":
            change, slot = self._change(text)
            if change:
                return Meaning("change", slot=slot)
        text = self.mended(text)  # the vector and all that follows read it mended
        vector = self.embedder.encode([text])[0]
        intent = self.classifier.classify(text, vector).intent
        in_form = state.mode == "form"
        extraction = self.extractor.extract(text, state.requested_slot if in_form else None)
        frameworks = tuple(mentioned_frameworks(text, self.kb))
        early = self._before_needs(text, state, intent, extraction, frameworks)
        if early is not None:
            return Meaning(early, frameworks=frameworks, vector=vector, text=text)
        if self.reader is not None:
            # Needs in any words ("our functions must wake up instantly") are facts too.
            self.reader.add_needs(text, vector, extraction)
        if extraction:
            named = self._names_framework
            if state.mode == "idle" and not _describes(
                text, intent, extraction, _is_question(text), named
            ):
                return Meaning("ask", frameworks=frameworks, vector=vector, text=text)
            return Meaning(
                "fill", extraction=extraction, frameworks=frameworks, vector=vector, text=text
            )
        if intent is not None:
            return Meaning("intent", intent=intent, vector=vector, text=text)
        return Meaning(
            "unclear" if in_form else "ask", frameworks=frameworks, vector=vector, text=text
        )

    def _before_needs(
        self,
        text: str,
        state: DialogueState,
        intent: str | None,
        extraction: Extraction,
        frameworks: tuple[str, ...],
    ) -> Act | None:
        """The act ("compare" or "ask") settled before the needs are read, or None."""
        if len(frameworks) >= 2 and (intent == "compare" or compares(text)):
            return "compare"
        is_question = _is_question(text)
        if is_question and not frameworks and mentioned_uncovered(text, self.kb):
            # "should we build it with Koa?" asks about Koa, not for a pick: the answer path
            # declines it by name.
            return "ask"
        # A question is a digression ("does Django have an admin?" names a slot phrase too)
        # unless it answers the pending question ("what about serverless?").
        asks = intent in ("ask", "compare") or (
            bool(frameworks) and intent not in ("recommend", "out_of_scope")
        )
        answers_pending = state.mode == "form" and state.requested_slot in extraction.values
        if answers_pending and is_question and self._asks_about_a_name(text, extraction, state):
            answers_pending = False
        if (is_question and asks and not answers_pending) or (
            not extraction.outright()
            and (intent in ("ask", "compare") or (intent is None and is_question and frameworks))
        ):
            return "ask"
        if state.mode == "idle" and grammar().article.search(text):
            return "ask"
        if (
            state.mode == "idle"
            and not _speaks_for_team(text, intent, extraction)
            and (intent == "ask" or is_question)
            and (intent in (None, "recommend") or bool(extraction))
        ):
            # A question that is not about the user's team is answered whatever needs it
            # states (see _describes): reading them would cost a forward pass per clause.
            return "ask"
        return None

    def _asks_about_a_name(self, text: str, extraction: Extraction, state: DialogueState) -> bool:
        """Whether a question reads the pending slot only from a framework it asks about: "is
        node.js a good fit for real-time apps?" asks about Node.js while the form asks the
        team's language; "node?" or "what about node then?" (MAX_SHORT_ANSWER words or fewer)
        still answers it."""
        if len(text.split()) <= MAX_SHORT_ANSWER:
            return False
        spans = framework_spans(text, self.kb, languages=True)
        return all(
            named_within(spans, m.start, m.end)
            for m in extraction.matches
            if m.slot == state.requested_slot
        )

    def reads_needs(self, text: str, state: DialogueState) -> set[str | None]:
        """The intents under which `interpret(text, state)` reads the needs of `text`.

        For a prefetch, before the intent is known: a text mended already, whose clauses are
        worth encoding only when the needs will be read.
        """
        if self.reader is None or self.classifier.keyword(text) is not None:
            return set()
        if state.mode != "idle" and self._change(text)[0]:
            return set()
        pending = state.requested_slot if state.mode == "form" else None
        extraction = self.extractor.extract(text, pending)
        frameworks = tuple(mentioned_frameworks(text, self.kb))
        return {
            intent
            for intent in (*self.classifier.names, None)
            if self._before_needs(text, state, intent, extraction, frameworks) is None
        }


def _speaks_for_team(text: str, intent: str | None, extraction: Extraction) -> bool:
    """True when `text` asks for a pick or speaks of the user's own team or project.

    Own words count in a clause that states something ("we're three python devs"); inside a
    question a team with its language or size does ("which backend for a Python team?"), and
    a pick asked for in the user's voice ("which should we use?").
    """
    questions, statements = _clauses(text)
    voices = _voices()
    if any(voices.own.search(voices.starting.sub(" ", c)) for c in statements):
        return True
    team = [m for m in extraction.matches if m.slot in _TEAM_SLOTS and not m.negated]
    for offset, clause in questions:
        if voices.crew.search(clause) and any(
            offset <= m.start < offset + len(clause) for m in team
        ):
            return True
    if intent != "recommend":
        return False
    # A statement near a request for a pick, in no one's voice, is a topic ("typescript
    # backend", "overlooked frameworks worth a look"): its facts decide, as for any statement
    # ("java lambdas" states two). Dev: 3 more questions answered, no persona lost.
    return any(voices.person.search(c) and voices.pick.search(c) for _, c in questions)


def _describes(
    text: str,
    intent: str | None,
    extraction: Extraction,
    question: bool,
    named: Callable[[str], bool],
) -> bool:
    """True when `text` describes the user's team or project, or asks for a pick.

    Besides the user's own words (see _Voices) and a request for a pick: facts (slot values,
    values or frameworks ruled out, needs) in a list ("node, edge"; "not JVM, not Node; tiny,
    hot endpoints"), or two facts at once in a message that is not a question, a value read from
    a framework's name not counted ("learning curve of spring" asks about Spring).
    """
    if _speaks_for_team(text, intent, extraction):
        return True
    if intent == "ask" or question:
        return False
    # A value read from a framework's name ("learning curve of spring") says what the
    # question is about, not what the team knows.
    others = sum(map(len, extraction.negated.values()))
    others += len(extraction.excluded) + _new_needs(text, extraction)
    if has_list(text):  # a list of facts names no subject of a question
        return len(extraction.values) + others >= 1
    told = sum(not named(extraction.said.get(slot, "")) for slot in extraction.values)
    return told + others >= 2


def _new_needs(text: str, extraction: Extraction) -> int:
    """The needs of `extraction` read from a clause no slot value was read from.

    "fastest choice for high performance http" states one fact, read twice: as a priority and
    as the need for raw throughput.
    """
    facts = [m.start for m in extraction.matches if not m.negated]
    count = 0
    for need in extraction.needs:
        start = text.find(need.text)
        count += start < 0 or not any(start <= at < start + len(need.text) for at in facts)
    return count
