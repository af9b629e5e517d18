"""The dialogue engine: (state, turn) -> (new state, replies). Pure apart from the model.

One generic form state with a `requested_slot` pointer (Rasa's formbot), slots and intents
from intents/, the pick from knowledge/rules.yaml. Stale-button policy: a button whose step is
older than the state's is refused ("This button has expired.") unless replaying it is
harmless: menu, passage, chart, restart, cancel and the bare "Change an answer" list.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

import numpy as np

from bot.advisor import Advisor, Recommendation, Scorer
from bot.dialogue import replies
from bot.dialogue.types import DialogueState, Option, Reply, Turn
from bot.knowledge import KnowledgeBase
from bot.nlu import Extraction, IntentClassifier, NluSpec, SlotExtractor, normalise
from bot.nlu.frameworks import mentioned_frameworks
from bot.retrieval.embedder import Embedder

log = logging.getLogger(__name__)

# Longer messages are cut: MiniLM reads 256 word pieces, and nobody describes a team in more.
MAX_TEXT = 2000
OUT_OF_SCOPE = "That's outside what I know: I help choose a backend framework."
HARMLESS = frozenset({"menu", "passage", "chart", "restart", "cancel"})
ACTIONS = frozenset(
    {
        "answer",
        "skip",
        "back",
        "restart",
        "cancel",
        "change",
        "menu",
        "passage",
        "chart",
        "confirm",
    }
)
COMMANDS = frozenset(
    {
        "start",
        "help",
        "recommend",
        "ask",
        "compare",
        "sources",
        "cancel",
        "restart",
        "skip",
        "back",
    }
)
_QUESTION = re.compile(
    r"\?\s*$|^\s*(does|do|is|are|can|could|what|what's|whats|why|how|which|when|who|where|"
    r"should|will|tell me)\b",
    re.IGNORECASE,
)
# "change the team size", "edit my answers": the words for the Change buttons.
_CHANGE = re.compile(
    r"^\s*(?:change|edit|fix|correct|update)\s+(?:the\s+|my\s+|our\s+)?(.+?)\s*[.!?]?\s*$",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\bvs\.?\b|\bversus\b|\bcompare\b|\bdifference between\b|\bor\b", re.IGNORECASE
)


class Retriever(Protocol):
    """What the engine needs from bot.retrieval."""

    def search(self, query: str, k: int = 3, *, vector: np.ndarray | None = None) -> Any: ...


Composer = Callable[[Any, KnowledgeBase], Reply]
PassageComposer = Callable[[KnowledgeBase, str], Reply]


class Engine:
    """The conversation: understands free text, fills the form, answers digressions, picks."""

    def __init__(
        self,
        kb: KnowledgeBase,
        spec: NluSpec,
        embedder: Embedder,
        retriever: Retriever,
        classifier: IntentClassifier | None = None,
        compose_answer: Composer | None = None,
        compose_passage: PassageComposer | None = None,
    ) -> None:
        self.kb, self.spec, self.embedder, self.retriever = kb, spec, embedder, retriever
        self.scorer = Scorer(kb, spec)
        self.advisor = Advisor(kb, spec, self.scorer)
        self.extractor = SlotExtractor(spec)
        self.classifier = classifier or IntentClassifier(spec, embedder)
        if compose_answer is None or compose_passage is None:
            try:
                from bot.retrieval.answer import compose_answer as answer
                from bot.retrieval.answer import compose_passage as passage
            except ImportError:  # retrieval's composer not installed: quote the top passage
                answer, passage = replies.answer_from_hits, replies.passage_reply
            compose_answer, compose_passage = compose_answer or answer, compose_passage or passage
        self._compose_answer = compose_answer
        self._compose_passage = compose_passage

    # -- public ------------------------------------------------------------------------------

    def needs_model(self, turn: Turn) -> bool:
        """True when handling `turn` runs the embedder (free text, /ask with a question)."""
        return self._model_text(turn) is not None

    def prefetch(self, turn: Turn) -> Future[np.ndarray] | None:
        """Start the turn's model work without blocking; `handle` then finds the vector cached.

        None when the turn needs no model, or the embedder cannot work ahead.
        """
        text = self._model_text(turn)
        submit = getattr(self.embedder, "prefetch", None)
        return submit(text) if text is not None and submit is not None else None

    def _model_text(self, turn: Turn) -> str | None:
        """The text `handle` embeds for `turn`, or None when it embeds nothing."""
        text = turn.text.strip()[:MAX_TEXT]
        if turn.option is not None or not text:
            return None
        if turn.command is not None:
            return text if turn.command.strip().lower() == "ask" else None
        return text if self.classifier.keyword(text) is None else None

    def handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        """Process one user turn; never raises: a bad input leaves `state` unchanged."""
        try:
            new = state.model_copy(deep=True)
            return self._handle(new, turn)
        except Exception:  # the adapters must always get an answer, whatever the input
            log.exception("engine failed on turn %r", turn)
            return state, [replies.info("Sorry, something went wrong. Try again or /restart.")]

    def recommend(
        self, slots: dict[str, str], negated: dict[str, list[str]] | None = None
    ) -> Recommendation:
        """The Recommendation for filled `slots` (for the CLI and evaluation)."""
        return self.advisor.recommend(slots, negated)

    # -- dispatch ----------------------------------------------------------------------------

    def _handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        if turn.option is not None:
            return self._on_option(state, turn.option, turn.step)
        if turn.command is not None:
            return self._on_command(state, turn.command.strip().lower(), turn.text.strip())
        text = turn.text.strip()[:MAX_TEXT]
        if not text:
            return state, [replies.info("Send me a message, or /help."), *self._pending(state)]
        return self._on_text(state, text)

    def _pending(self, state: DialogueState) -> list[Reply]:
        """The pending question again (nothing when no form is open)."""
        if state.mode == "form" and state.requested_slot in self.spec.slot_names:
            return [self._question(state)]
        return []

    def _question(self, state: DialogueState, reprompt: bool = False) -> Reply:
        slot = self.spec.slot(state.requested_slot or self.spec.slot_names[0])
        status = self.scorer.status(state.slots, state.skipped, state.negated)
        left = len(set(status.open_slots) | {slot.name})
        return replies.question(
            self.spec, self.kb, slot, state.negated.get(slot.name, []), left, reprompt
        )

    # -- buttons -----------------------------------------------------------------------------

    def _bad_button(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        return state, [replies.info("I don't know that button."), *self._pending(state)]

    def _on_option(
        self, state: DialogueState, option: Option, step: int | None
    ) -> tuple[DialogueState, list[Reply]]:
        if option.action not in ACTIONS:
            return self._bad_button(state)
        harmless = option.action in HARMLESS or (option.action == "change" and not option.slot)
        if step is not None and step != state.step and not harmless:
            return state, [replies.info("This button has expired."), *self._pending(state)]
        action = option.action
        if action == "answer":
            slot_name, value = option.slot or "", option.value or ""
            if slot_name not in self.spec.slot_names:
                return self._bad_button(state)
            if value not in self.spec.slot(slot_name).values:
                return self._bad_button(state)
            self._fill(state, {slot_name: value}, {})
            return self._advance(state, [])
        if action == "skip":
            return self._skip(state)
        if action == "back":
            return self._back(state)
        if action == "restart":
            return self._start_form(state, Extraction())
        if action == "cancel":
            return self._cancel(state)
        if action == "change":
            return self._change(state, option.slot)
        if action == "menu":
            return self._menu(state, option.value or "")
        if action == "passage":
            if option.value not in self.kb.by_id:
                return self._bad_button(state)
            return state, [self._compose_passage(self.kb, option.value), *self._pending(state)]
        if action == "chart":
            if not state.last_pick:
                return state, [replies.info("No recommendation yet: /recommend first.")]
            rec = self.advisor.recommend(state.slots, state.negated)
            return state, [replies.chart(self.kb, rec)]
        return state, [replies.info("Nothing to confirm."), *self._pending(state)]

    def _menu(self, state: DialogueState, value: str) -> tuple[DialogueState, list[Reply]]:
        if value == "recommend":
            return self._start_form(state, Extraction())
        if value == "ask":
            return state, [
                replies.info('Send me your question, e.g. "does Django have an admin?"')
            ]
        if value == "compare":
            return state, [replies.info('Which two? e.g. "Django vs Spring Boot".')]
        return self._bad_button(state)

    # -- commands ----------------------------------------------------------------------------

    def _on_command(
        self, state: DialogueState, command: str, text: str
    ) -> tuple[DialogueState, list[Reply]]:
        text = text[:MAX_TEXT]
        if command not in COMMANDS:
            return state, [
                replies.info(f"I don't know the command /{command[:40]}. Try /help."),
                *self._pending(state),
            ]
        if command == "start":
            return DialogueState(step=state.step + 1), [replies.welcome()]
        if command == "help":
            return state, [replies.help_reply(), *self._pending(state)]
        if command == "sources":
            return state, [replies.sources(self.kb), *self._pending(state)]
        if command == "recommend":
            return self._start_form(state, self.extractor.extract(text))
        if command == "ask":
            if not text:
                return state, [
                    replies.info(
                        "What would you like to know? e.g. /ask does Django have an admin?"
                    )
                ]
            return state, [self._answer(text, None), *self._pending(state)]
        if command == "compare":
            pair = mentioned_frameworks(text, self.kb)
            if len(pair) < 2:
                return state, [
                    replies.info("Name two frameworks, e.g. /compare Django vs Spring Boot."),
                    *self._pending(state),
                ]
            return state, [replies.compare(self.kb, pair[0], pair[1]), *self._pending(state)]
        if command == "cancel":
            return self._cancel(state)
        if command == "restart":
            return self._start_form(state, Extraction())
        if command == "skip":
            return self._skip(state)
        return self._back(state)

    # -- free text ---------------------------------------------------------------------------

    def _on_text(self, state: DialogueState, text: str) -> tuple[DialogueState, list[Reply]]:
        keyword = self.classifier.keyword(text)
        if keyword is not None:
            return self._on_intent(state, keyword, text, None)
        if state.mode != "idle" and (match := _CHANGE.match(text)):
            wanted = normalise(match.group(1))
            if wanted in ("answer", "an answer", "answers", "my answers", "something"):
                return self._change(state, None)
            for slot in self.spec.slots:
                words = {slot.title.lower(), slot.name.replace("_", " ")}
                words |= set(slot.name.split("_")) - {"team"}  # "team" names two slots
                if wanted in words:
                    return self._change(state, slot.name)
        vector = self.embedder.encode([text])[0]
        intent = self.classifier.classify(text, vector).intent
        in_form = state.mode == "form"
        extraction = self.extractor.extract(text, state.requested_slot if in_form else None)
        frameworks = mentioned_frameworks(text, self.kb)
        if len(frameworks) >= 2 and (intent == "compare" or _COMPARE.search(text)):
            reply = replies.compare(self.kb, frameworks[0], frameworks[1])
            return state, [reply, *self._pending(state)]
        is_question = bool(_QUESTION.search(text))
        # A question is a digression ("does Django have an admin?" names a slot phrase too)
        # unless it answers the pending question ("what about serverless?").
        asks = intent in ("ask", "compare") or (
            bool(frameworks) and intent not in ("recommend", "out_of_scope")
        )
        answers_pending = in_form and state.requested_slot in extraction.values
        if is_question and asks and not answers_pending:
            return state, [self._answer(text, vector), *self._pending(state)]
        if extraction:
            if state.mode == "idle":
                return self._start_form(state, extraction)
            return self._update(state, extraction)
        if intent in ("ask", "compare") or (intent is None and is_question and frameworks):
            return state, [self._answer(text, vector), *self._pending(state)]
        if intent is not None:
            return self._on_intent(state, intent, text, vector)
        if in_form:
            # Not an answer and no known intent: chatter gets a short reply, a near miss the
            # slot's re-prompt.
            result = self.retriever.search(text, k=1, vector=vector)
            if not getattr(result, "in_scope", True):
                return state, [replies.info(OUT_OF_SCOPE), *self._pending(state)]
            return state, [self._question(state, reprompt=True)]
        return state, [self._answer(text, vector)]

    def _on_intent(
        self, state: DialogueState, intent: str, text: str, vector: np.ndarray | None
    ) -> tuple[DialogueState, list[Reply]]:
        in_form = state.mode == "form"
        if intent == "skip":
            return self._skip(state)
        if intent == "back":
            return self._back(state)
        if intent == "restart":
            return self._start_form(state, Extraction())
        if intent == "cancel":
            return self._cancel(state)
        if intent == "help":
            return state, [replies.help_reply(), *self._pending(state)]
        if intent == "greet":
            if in_form:
                return state, [replies.info("Hi!"), *self._pending(state)]
            return state, [replies.welcome()]
        if intent == "thanks":
            return state, [replies.info("You're welcome!"), *self._pending(state)]
        if intent == "recommend":
            if in_form:
                return state, self._pending(state)
            return self._start_form(state, Extraction())
        if intent == "ask" or intent == "compare":
            return state, [self._answer(text, vector), *self._pending(state)]
        # out_of_scope
        return state, [
            replies.info(OUT_OF_SCOPE),
            *(self._pending(state) or [replies.welcome()]),
        ]

    def _answer(self, text: str, vector: np.ndarray | None) -> Reply:
        if vector is None:
            vector = self.embedder.encode([text])[0]
        result = self.retriever.search(text, k=3, vector=vector)
        if not getattr(result, "in_scope", True):
            return replies.info(
                "I couldn't find that in the article: I know about Node.js, Django, Spring "
                "Boot and their alternatives. Try /help."
            )
        return self._compose_answer(result, self.kb)

    # -- the form ----------------------------------------------------------------------------

    def _fill(
        self, state: DialogueState, values: dict[str, str], negated: dict[str, list[str]]
    ) -> None:
        for name, value in values.items():
            state.slots[name] = value
            if name in state.skipped:
                state.skipped.remove(name)
            state.negated.pop(name, None)
            if name in state.history:
                state.history.remove(name)
            state.history.append(name)
        for name, ruled_out in negated.items():
            if name in state.slots and state.slots[name] in ruled_out:
                del state.slots[name]
                state.history.remove(name)
            if name not in state.slots:
                merged = state.negated.setdefault(name, [])
                merged += [v for v in ruled_out if v not in merged]
                # Every value ruled out: the constraint says nothing useful, drop it.
                if len(merged) >= len(self.spec.slot(name).values):
                    del state.negated[name]

    def _start_form(
        self, state: DialogueState, extraction: Extraction
    ) -> tuple[DialogueState, list[Reply]]:
        fresh = DialogueState(mode="form", step=state.step)
        self._fill(fresh, extraction.values, extraction.negated)
        said = replies.understood(self.spec, extraction.values, extraction.negated)
        return self._advance(fresh, [said] if said else [])

    def _update(
        self, state: DialogueState, extraction: Extraction
    ) -> tuple[DialogueState, list[Reply]]:
        self._fill(state, extraction.values, extraction.negated)
        direct = set(extraction.values) == {state.requested_slot} and not extraction.negated
        if state.requested_slot in extraction.values or state.mode == "done":
            state.requested_slot = None
        # A plain answer to the question asked needs no "here's what I understood".
        said = (
            None
            if direct
            else replies.understood(self.spec, extraction.values, extraction.negated)
        )
        return self._advance(state, [said] if said else [])

    def _advance(
        self, state: DialogueState, out: list[Reply]
    ) -> tuple[DialogueState, list[Reply]]:
        """Ask the pending or the most informative question, or give the pick when none is left."""
        state.step += 1
        pending = state.requested_slot
        if pending and pending not in state.slots and pending not in state.skipped:
            state.mode = "form"
            return state, [*out, self._question(state)]
        status = self.scorer.status(state.slots, state.skipped, state.negated)
        if status.next_slot is not None:
            state.mode, state.requested_slot = "form", status.next_slot
            return state, [*out, self._question(state)]
        rec = self.advisor.recommend(state.slots, state.negated)
        state.mode, state.requested_slot, state.last_pick = "done", None, rec.pick.id
        return state, [*out, replies.recommendation(self.kb, self.spec, rec)]

    def _skip(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        slot = state.requested_slot
        if state.mode != "form" or slot is None:
            return state, [replies.info("There's no question to skip. /recommend starts one.")]
        if slot not in state.skipped:
            state.skipped.append(slot)
        if slot in state.history:
            state.history.remove(slot)
        state.history.append(slot)
        state.requested_slot = None
        return self._advance(state, [])

    def _back(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        if state.mode == "idle" or not state.history:
            return state, [replies.info("There's nothing to go back to."), *self._pending(state)]
        slot = state.history.pop()
        state.slots.pop(slot, None)
        if slot in state.skipped:
            state.skipped.remove(slot)
        state.requested_slot, state.mode = slot, "form"
        state.step += 1
        return state, [self._question(state)]

    def _change(self, state: DialogueState, slot: str | None) -> tuple[DialogueState, list[Reply]]:
        if slot is None:
            return state, [replies.change_menu(self.spec, state.slots, state.skipped)]
        if slot not in self.spec.slot_names:
            return self._bad_button(state)
        state.slots.pop(slot, None)
        if slot in state.skipped:
            state.skipped.remove(slot)
        if slot in state.history:
            state.history.remove(slot)
        state.negated.pop(slot, None)
        state.requested_slot, state.mode = slot, "form"
        state.step += 1
        return state, [self._question(state)]

    def _cancel(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        if state.mode == "idle":
            return state, [replies.info("Nothing to cancel.", options=replies.MENU)]
        return DialogueState(step=state.step + 1), [
            replies.info("Cancelled. Your answers are forgotten.", options=replies.MENU)
        ]
