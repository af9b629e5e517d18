"""What a free-text message means, given where the conversation is: one `interpret` call.

The policy that used to live in the engine's text handler: exact keywords first, then "change
the X", then intent, slot values and named frameworks read together. The engine only acts on
the `Meaning` it gets back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.form import FormSpec
from bot.knowledge import KnowledgeBase
from bot.knowledge.mentions import COMPARE, mentioned_frameworks, mentioned_uncovered
from bot.nlu.intents import IntentClassifier, normalise
from bot.nlu.needs import DescriptionReader
from bot.nlu.slots import Extraction, SlotExtractor
from bot.nlu.text import clauses as _clauses
from bot.nlu.text import is_question as _is_question

if TYPE_CHECKING:
    import numpy as np

    from bot.embedding import Embedder
    from bot.nlu.spelling import Speller
    from bot.replies import DialogueState

# A pick asked for in the user's voice asks which or what ("which should we use", "what would
# you suggest"); "how should I pick" and "can we use one language" ask about the article.
_PICK = re.compile(r"^\s*(?:which|what|what's|whats)\b", re.IGNORECASE)
# The slots that describe the team itself (its language, its size), and the nouns for a team
# they qualify inside a question ("a Python team"; "can I use typescript" names no team).
_TEAM_SLOTS = frozenset({"team_language", "team_size"})
_CREW = re.compile(
    r"\b(?:team|teams|devs?|developers?|engineers?|programmers?|startup|company|shop|squads?|"
    r"folks|people|staff)\b",
    re.IGNORECASE,
)
# The user's own voice inside a question: "which should we pick", "what fits my team", "what
# would you suggest". Team nouns ("staff a team", "java people") inside a question name whom
# the question is about, not who asks.
_PERSON = re.compile(
    r"\b(?:we|we're|we've|we'll|we'd|us|our|ours|i|i'm|i've|i'll|i'd|my|me|you|your)\b",
    re.IGNORECASE,
)
# Words that make a message about the user's own team or project ("we", "our devs", "a
# startup"): outside the form, only such a message, a request for a pick or two facts at
# once starts the form. Without this, 78 of dev's 215 in-scope questions ("node downsides",
# "learning curve of spring") were read as a team description and answered with the form.
_OWN = re.compile(
    r"\b(?:we|we're|we've|we'll|we'd|us|our|ours|i|i'm|i've|i'll|i'd|my|me|team|teams|"
    r"devs?|developers?|engineers?|programmers?|startup|company|org|organi[sz]ation|shop|"
    r"squads?|agency|department|folks|staff)\b",
    re.IGNORECASE,
)
# How fast a service starts, not a young company: "micronaut startup time", "faster startup".
_STARTING = re.compile(
    r"\b(?:(?:fast|faster|fastest|slow|slower|slowest|quick|quicker|cold|warm|instant)\s+"
    r"start-?ups?|start-?ups?\s+(?:times?|speed|latency|performance|overhead|delays?))\b",
    re.IGNORECASE,
)
_LIST = re.compile(r"[,;]")
# A message that names the article or the set it compares ("what does the article suggest?",
# "long-term viability of these frameworks") asks what the article says, whatever team it
# describes on the way: the answer quotes the article's own heuristic for that team.
_ARTICLE = re.compile(
    r"\b(?:the|this|that|your)\s+(?:article|write-?up|blog\s+post)\b(?!s)"
    r"|\b(?:these|those|the\s+three|all\s+three)\s+(?:frameworks?|stacks?|options?)\b",
    re.IGNORECASE,
)
# "change the team size", "edit my answers": the words for the Change buttons.
_CHANGE = re.compile(
    r"^\s*(?:change|edit|fix|correct|update)\s+(?:the\s+|my\s+|our\s+)?(.+?)\s*[.!?]?\s*$",
    re.IGNORECASE,
)
_ANY_ANSWER = frozenset({"answer", "an answer", "answers", "my answers", "something"})

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
        match = _CHANGE.match(text)
        if not match:
            return False, None
        wanted = normalise(match.group(1))
        if wanted in _ANY_ANSWER:
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
        if len(frameworks) >= 2 and (intent == "compare" or COMPARE.search(text)):
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
        if (is_question and asks and not answers_pending) or (
            not extraction.outright()
            and (intent in ("ask", "compare") or (intent is None and is_question and frameworks))
        ):
            return "ask"
        if state.mode == "idle" and _ARTICLE.search(text):
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
    if any(_OWN.search(_STARTING.sub(" ", c)) for c in statements):
        return True
    team = [m for m in extraction.matches if m.slot in _TEAM_SLOTS and not m.negated]
    for offset, clause in questions:
        if _CREW.search(clause) and any(offset <= m.start < offset + len(clause) for m in team):
            return True
    if intent != "recommend":
        return False
    # A statement near a request for a pick, in no one's voice, is a topic ("typescript
    # backend", "overlooked frameworks worth a look"): its facts decide, as for any statement
    # ("java lambdas" states two). Dev: 3 more questions answered, no persona lost.
    return any(_PERSON.search(c) and _PICK.search(c) for _, c in questions)


def _describes(
    text: str,
    intent: str | None,
    extraction: Extraction,
    question: bool,
    named: Callable[[str], bool],
) -> bool:
    """True when `text` describes the user's team or project, or asks for a pick.

    Besides the words of _OWN and a request for a pick: facts (slot values, values or
    frameworks ruled out, needs) in a list ("node, edge"; "not JVM, not Node; tiny, hot
    endpoints"), or two facts at once in a message that is not a question, a value read from
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
    if _LIST.search(text):  # a list of facts names no subject of a question
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
