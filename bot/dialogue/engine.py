"""The dialogue engine: (state, turn) -> (new state, replies). Pure apart from the model.

One generic form state with a `requested_slot` pointer (Rasa's formbot), slots and intents
from intents/, the pick from knowledge/rules.yaml. Stale-button policy: a button whose step is
older than the state's is refused ("This button has expired.") unless replaying it is
harmless: menu, passage, chart, record, share, restart, cancel and the bare "Change an answer"
list.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import replace
from pathlib import Path
from typing import cast, get_args

import numpy as np

from bot.advisor import Advisor, FormStatus, Recommendation, Scorer, StatedNeed
from bot.config import packaged
from bot.dialogue import answer, feedback, messages
from bot.dialogue import inline as inline_mode
from bot.dialogue.chat_commands import CHAT_COMMANDS
from bot.embedding import Embedder
from bot.form import FormSpec
from bot.knowledge import KnowledgeBase
from bot.knowledge.mentions import (
    framework_spans,
    mentioned_frameworks,
    mentioned_uncovered,
    named_within,
)
from bot.nlu import DescriptionReader, Extraction, IntentClassifier, SlotMatch
from bot.nlu.followup import FILE as FOLLOWUPS_FILE
from bot.nlu.followup import FollowUpWords, Resolution, Resolver, load_followups
from bot.nlu.interpret import Interpreter, Meaning
from bot.nlu.spelling import Speller
from bot.replies import (
    Action,
    Answered,
    Article,
    DialogueState,
    InlineAnswer,
    Option,
    Reply,
    Shown,
    Subject,
    SubjectKind,
    Turn,
)
from bot.retrieval.port import Retriever
from bot.text import asking_sentences, sentence_spans

# Longer messages are cut: MiniLM reads 256 word pieces, and nobody describes a team in more.
MAX_TEXT = 2000
OUT_OF_SCOPE = "That's outside what I know: I help choose a backend framework."
FORGOTTEN = (
    "Done: I deleted everything I had stored about you (your answers and where our "
    "conversation was). Nothing of it is kept."
)
# Buttons that are harmless to replay from an old message (see the module docstring).
HARMLESS = frozenset({"menu", "passage", "chart", "record", "share", "restart", "cancel"})


PassageComposer = Callable[[KnowledgeBase, str], Reply]


ButtonHandler = Callable[[DialogueState, Option], tuple[DialogueState, list[Reply]]]
CommandHandler = Callable[[DialogueState, str], tuple[DialogueState, list[Reply]]]
IntentHandler = Callable[
    [DialogueState, str, "np.ndarray | None"], tuple[DialogueState, list[Reply]]
]


def _settle_after(
    done: Future[np.ndarray], first: Future[np.ndarray], rest: list[Future[np.ndarray]]
) -> None:
    """Complete `done` with `first`'s vector once it and every one of `rest` have finished."""

    def settle(_: Future[np.ndarray]) -> None:
        if all(f.done() for f in (first, *rest)) and not done.done():
            failed = next((f.exception() for f in (first, *rest) if f.exception()), None)
            with contextlib.suppress(InvalidStateError):  # another callback settled it
                if failed is not None:
                    done.set_exception(failed)
                else:
                    done.set_result(first.result())

    for f in (first, *rest):
        f.add_done_callback(settle)


def _remember(
    state: DialogueState, replies: list[Reply], named: list[str], asks: bool = True
) -> None:
    """Keep what the last answer was about in `state.subject` (a pick sets it in _advance).

    A decline about no covered framework keeps the subject: "and koa?" after a Node.js
    question changes nothing that "and fastify?" would carry on from. One that `named` a
    covered framework is the question "and spring boot?" asks again ("does django play nicely
    with postgres?"). A message answered otherwise ("spring boot for our payments platform"
    starts the form) still makes the frameworks it named the subject. A statement answered
    ("someone said spring is overkill lol", `asks` False) leaves the last question what
    "and django's?" asks again.
    """
    if any(r.kind == "recommendation" for r in replies):
        return  # the pick set the subject, whatever its move line answered
    answered = next((r.answered for r in reversed(replies) if r.answered is not None), None)
    subject = state.subject
    before = list(subject.frameworks)
    _remember_answer(subject, answered, replies, named, asks)
    if subject.frameworks != before and before:
        subject.previous = [f for f in before if f not in subject.frameworks] or subject.previous


def _remember_answer(
    subject: Subject,
    answered: Answered | None,
    replies: list[Reply],
    named: list[str],
    asks: bool,
) -> None:
    if answered is not None and answered.kind == "decline" and named:
        subject.frameworks, subject.pair, subject.aspect = list(named), [], None
        subject.question, subject.kind = answered.resolved or answered.question, "answer"
        return
    if answered is None or answered.kind in ("decline", "choices"):
        if named and not any(r.kind == "recommendation" for r in replies):
            subject.frameworks, subject.pair = list(named), []
        return
    # A question about no one framework ("what's the bottom line?") leaves the last one
    # discussed what "it" stands for.
    subject.frameworks = list(answered.frameworks) or subject.frameworks
    subject.aspect = answered.aspect
    if asks or answered.resolved or not subject.question:
        subject.question = answered.resolved or answered.question
    paired = answered.kind in ("comparison", "why_not") and len(answered.frameworks) >= 2
    subject.pair = list(answered.frameworks[:2]) if paired else []
    subject.kind = cast(SubjectKind, answered.kind)


def _intents_dir(spec: FormSpec) -> Path:
    """Where `spec` was read from, or the packaged intents/ for a spec built in code."""
    here = spec.slots_file.parent
    return here if (here / FOLLOWUPS_FILE).is_file() else packaged("intents")


class Engine:
    """The conversation: understands free text, fills the form, answers digressions, picks."""

    def __init__(
        self,
        kb: KnowledgeBase,
        spec: FormSpec,
        embedder: Embedder,
        retriever: Retriever,
        classifier: IntentClassifier | None = None,
        compose_passage: PassageComposer = answer.compose_passage,
        answerer: answer.Answerer | None = None,
        speller: Speller | None = None,
        reader: DescriptionReader | None = None,
        followups: FollowUpWords | None = None,
    ) -> None:
        self.kb, self.spec, self.embedder, self.retriever = kb, spec, embedder, retriever
        self.scorer = Scorer(kb, spec)
        self.advisor = Advisor(kb, spec, self.scorer)
        # The needs' phrasings are encoded here, once (cached on disk when `reader` has a
        # cache): a button press never runs the model.
        self.reader = reader or DescriptionReader(spec, kb, embedder)
        self.extractor = self.reader.extractor
        classifier = classifier or IntentClassifier(spec, embedder)
        self.interpreter = Interpreter(
            spec, kb, embedder, classifier, self.extractor, speller, self.reader
        )
        self.answerer = answerer or answer.Answerer(kb, retriever, speller)
        self._compose_passage = compose_passage
        self.resolver = Resolver(kb, followups or load_followups(_intents_dir(spec)))
        self.share_codec = inline_mode.ShareCodec(spec, kb)
        # One handler per button action, chat command and intent: the tables are the lists.
        self.buttons: dict[Action, ButtonHandler] = {
            "answer": self._press_answer,
            "skip": lambda state, _: self._skip(state),
            "back": lambda state, _: self._back(state),
            "restart": lambda state, _: self._start_form(state, Extraction()),
            "cancel": lambda state, _: self._cancel(state),
            "change": lambda state, option: self._change(state, option.slot),
            "menu": lambda state, option: self._menu(state, option.value or ""),
            "passage": self._press_passage,
            "chart": lambda state, _: self._chart(state),
            "record": lambda state, _: self._record(state),
            "share": self._press_share,
        }
        self.commands: dict[str, CommandHandler] = {
            "start": self._cmd_start,
            "help": lambda state, _: (state, [messages.help_reply(), *self._pending(state)]),
            "sources": lambda state, _: (state, [messages.sources(kb), *self._pending(state)]),
            "recommend": lambda state, text: self._start_form(
                state, self.reader.read(text) if text else Extraction()
            ),
            "ask": self._cmd_ask,
            "compare": self._cmd_compare,
            "cancel": lambda state, _: self._cancel(state),
            "restart": lambda state, _: self._start_form(state, Extraction()),
            "skip": lambda state, _: self._skip(state),
            "back": lambda state, _: self._back(state),
            # The adapter has deleted what it stored before this reply goes out.
            "forget": lambda state, _: (
                DialogueState(),
                [messages.info(FORGOTTEN, options=messages.MENU)],
            ),
        }
        self.intents: dict[str, IntentHandler] = {
            "skip": lambda state, _, __: self._skip(state),
            "back": lambda state, _, __: self._back(state),
            "restart": lambda state, _, __: self._start_form(state, Extraction()),
            "cancel": lambda state, _, __: self._cancel(state),
            "help": lambda state, _, __: (state, [messages.help_reply(), *self._pending(state)]),
            "greet": self._greet,
            "thanks": lambda state, _, __: (
                state,
                [messages.info("You're welcome!"), *self._pending(state)],
            ),
            "recommend": self._intent_recommend,
            "ask": self._intent_ask,
            "compare": self._intent_ask,
            "out_of_scope": lambda state, text, __: (
                state,
                [
                    feedback.declined(messages.info(OUT_OF_SCOPE), text),
                    *(self._pending(state) or [messages.welcome()]),
                ],
            ),
        }
        missing = (
            set(get_args(Action)) - set(self.buttons),
            {c.name for c in CHAT_COMMANDS} ^ set(self.commands),
            {i.name for i in spec.intents} - set(self.intents),
        )
        if any(missing):
            raise ValueError(f"unhandled actions, commands or intents: {missing}")

    # -- public ------------------------------------------------------------------------------

    def needs_model(self, turn: Turn) -> bool:
        """True when handling `turn` runs the embedder (free text, /ask with a question)."""
        return self._model_text(turn) is not None

    def prefetch(
        self, turn: Turn, state: DialogueState | None = None
    ) -> Future[np.ndarray] | None:
        """Start the turn's model work without blocking; `handle` then finds the vectors cached.

        None when the turn needs no model, or the embedder cannot work ahead. It encodes the
        text `handle` reads (typos mended: /ask by the answer's speller, /recommend by the
        reader's, free text by both) and, unless it is a question for /ask, the clauses a
        description's needs are read from: an encode that missed the cache would run on the
        caller's thread, the event loop in Telegram. `state` tells which question is pending
        (it changes what a clause is). The future is the message's own vector.
        """
        text = self._model_text(turn)
        submit = getattr(self.embedder, "prefetch", None)
        if text is None or submit is None:
            return None
        command = (turn.command or "").strip().lower()
        # /ask encodes what the answer reads, /recommend what the reader reads, free text
        # what interpret reads.
        if command == "ask":
            read = self._mended(text)
        elif command == "recommend":
            read = self.reader.mend(text)
        else:
            read = self.interpreter.mended(text)
        future: Future[np.ndarray] = submit(read)
        # A how-to question about a framework is also searched with the names cut out.
        extra = (
            [] if command == "recommend" else [submit(t) for t in self.answerer.to_encode(read)]
        )
        state = state or DialogueState()
        pending = state.requested_slot if state.mode == "form" else None
        every: set[str | None] = {None, *self.interpreter.classifier.names}
        reading = (
            set()  # /ask never reads needs
            if command == "ask"
            else every
            if command == "recommend"
            else self.interpreter.reads_needs(read, state)
        )
        done: Future[np.ndarray] = Future()
        if not reading:
            _settle_after(done, future, extra)
            return done

        def clauses(intent: str | None) -> None:
            texts = self.reader.to_encode(read, pending) if intent in reading else []
            _settle_after(done, future, [*extra, *(submit(c) for c in texts)])

        if reading >= every:
            clauses(None)  # read whatever the intent: encode them in the same pass
        else:
            # Whether the needs are read depends on the intent ("which is best for chat?"
            # asks for a pick, "is Django good for chat?" for an answer), and the intent on
            # the text's vector: the clauses (a second of 1.4 texts a question) wait for it.
            def classified(first: Future[np.ndarray]) -> None:
                if first.exception() is not None:
                    _settle_after(done, future, extra)
                    return
                clauses(self.interpreter.classifier.classify(read, first.result()).intent)

            future.add_done_callback(classified)
        return done

    def _mended(self, text: str) -> str:
        speller = self.answerer.speller
        return speller.correct(text) if speller is not None else text

    def _model_text(self, turn: Turn) -> str | None:
        """The text `handle` embeds for `turn`, or None when it embeds nothing."""
        text = turn.text.strip()[:MAX_TEXT]
        if turn.option is not None or not text:
            return None
        if turn.command is not None:
            # /ask QUESTION is answered by meaning; /recommend TEXT reads needs in it.
            return text if turn.command.strip().lower() in ("ask", "recommend") else None
        return text if self.interpreter.needs_model(text) else None

    def handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        """Process one user turn: the new state and the replies; `state` is never modified.

        Bad input gets a reply. A failure raises: the adapter apologises, logs it as an error
        and keeps the state it had (one error path, visible to tests and logs alike).
        """
        return self._handle(state.model_copy(deep=True), turn)

    def inline(self, query: str) -> InlineAnswer:
        """An inline query's results: a shared pick, up to five cited passages, or the card."""
        text = " ".join(query.split())[: inline_mode.QUERY_LIMIT]
        if not text:
            return inline_mode.card()
        shared = self.share_codec.decode(text)
        if shared is not None:
            return InlineAnswer((self._shared_article(shared, text),))
        found = self.answerer.answer(text, None, k=inline_mode.MAX_RESULTS)
        return inline_mode.passage_articles(self.kb, found)

    def prefetch_inline(self, query: str) -> Future[np.ndarray] | None:
        """Start encoding an inline query in the model's thread; None when it needs no model."""
        text = " ".join(query.split())[: inline_mode.QUERY_LIMIT]
        submit = getattr(self.embedder, "prefetch", None)
        if not text or submit is None or self.share_codec.decode(text) is not None:
            return None
        read = self._mended(text)  # what the answer encodes
        done: Future[np.ndarray] = Future()
        _settle_after(done, submit(read), [submit(t) for t in self.answerer.to_encode(read)])
        return done

    def _shared_article(self, shared: inline_mode.SharedPick, query: str) -> Article:
        needs = [StatedNeed(need, "") for need in shared.needs]
        rec = self.advisor.recommend(shared.slots, shared.negated, needs, shared.excluded)
        # The same pick gets the same id (<= 64 bytes), so Telegram's cache can serve it.
        key = "pick-" + hashlib.blake2s(query.encode(), digest_size=8).hexdigest()
        return inline_mode.pick_article(self.kb, self.spec, rec, key)

    # -- dispatch ----------------------------------------------------------------------------

    def _handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        idle = state.mode == "idle"
        state, replies = self._dispatch(state, turn)
        free = turn.option is None and turn.command is None
        named = mentioned_frameworks(turn.text, self.kb) if free else []
        asked = self.resolver.unframed(turn.text) if free else ""
        asks = not free or self.resolver.asks(asked)
        _remember(state, replies, named, asks)
        if free and idle and state.mode == "form" and asks:
            # "what's the pick for a small content team?" opened the form; "and when we
            # need raw throughput?" asks it again for another case.
            state.subject.question, state.subject.kind = asked, "answer"
        return state, replies

    def _dispatch(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        if turn.option is not None:
            return self._on_option(state, turn.option, turn.step)
        if turn.command is not None:
            return self._on_command(state, turn.command.strip().lower(), turn.text.strip())
        text = turn.text.strip()[:MAX_TEXT]
        if not text:
            return state, [messages.info("Send me a message, or /help."), *self._pending(state)]
        return self._on_text(state, text)

    def _pending(self, state: DialogueState) -> list[Reply]:
        """The pending question again (nothing when no form is open)."""
        if state.mode == "form" and state.requested_slot in self.spec.slot_names:
            return [self._question(state)]
        return []

    def _status(self, state: DialogueState) -> FormStatus:
        return self.scorer.status(
            state.slots, state.skipped, state.negated, tuple(state.needs), state.excluded
        )

    def _recommend(self, state: DialogueState) -> Recommendation:
        needs = [StatedNeed(need, words) for need, words in state.needs.items()]
        return self.advisor.recommend(
            state.slots, state.negated, needs, state.excluded, state.said
        )

    def _question(self, state: DialogueState, reprompt: bool = False) -> Reply:
        slot = self.spec.slot(state.requested_slot or self.spec.slot_names[0])
        status = self._status(state)
        left = len(set(status.open_slots) | {slot.name})
        return messages.question(
            self.spec, self.kb, slot, state.negated.get(slot.name, []), left, reprompt
        )

    # -- buttons -----------------------------------------------------------------------------

    def _bad_button(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        return state, [messages.info("I don't know that button."), *self._pending(state)]

    def _on_option(
        self, state: DialogueState, option: Option, step: int | None
    ) -> tuple[DialogueState, list[Reply]]:
        handler = self.buttons.get(option.action)
        if handler is None:
            return self._bad_button(state)
        harmless = option.action in HARMLESS or (option.action == "change" and not option.slot)
        if step is not None and step != state.step and not harmless:
            return state, [messages.info("This button has expired."), *self._pending(state)]
        return handler(state, option)

    def _press_answer(
        self, state: DialogueState, option: Option
    ) -> tuple[DialogueState, list[Reply]]:
        slot_name, value = option.slot or "", option.value or ""
        if slot_name not in self.spec.slot_names:
            return self._bad_button(state)
        if value not in self.spec.slot(slot_name).values:
            return self._bad_button(state)
        self._fill(state, {slot_name: value}, {})
        return self._advance(state, [])

    def _press_passage(
        self, state: DialogueState, option: Option
    ) -> tuple[DialogueState, list[Reply]]:
        if option.value not in self.kb.by_id:
            return self._bad_button(state)
        return state, [self._compose_passage(self.kb, option.value), *self._pending(state)]

    def _chart(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        if not state.last_pick:
            return state, [messages.info("No recommendation yet: /recommend first.")]
        return state, [messages.chart(self.kb, self._recommend(state))]

    def _record(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        if not state.last_pick:
            return state, [messages.info("No recommendation yet: /recommend first.")]
        return state, [messages.record(self.kb, self.spec, self._recommend(state))]

    def _press_share(
        self, state: DialogueState, option: Option
    ) -> tuple[DialogueState, list[Reply]]:
        """Where a Share button cannot switch to inline mode (the console): the summary itself."""
        shared = self.share_codec.decode(option.value or "")
        if shared is None:
            if not state.last_pick:
                return state, [messages.info(inline_mode.NO_PICK), *self._pending(state)]
            shared = inline_mode.SharedPick(
                dict(state.slots), dict(state.negated), list(state.needs), list(state.excluded)
            )
        article = self._shared_article(shared, option.value or "")
        return state, [article.reply, *self._pending(state)]

    def _menu(self, state: DialogueState, value: str) -> tuple[DialogueState, list[Reply]]:
        if value == "recommend":
            return self._start_form(state, Extraction())
        if value == "ask":
            return state, [
                messages.info('Send me your question, e.g. "does Django have an admin?"')
            ]
        if value == "compare":
            return state, [messages.info('Which two? e.g. "Django vs Spring Boot".')]
        return self._bad_button(state)

    # -- commands ----------------------------------------------------------------------------

    def _on_command(
        self, state: DialogueState, command: str, text: str
    ) -> tuple[DialogueState, list[Reply]]:
        handler = self.commands.get(command)
        if handler is None:
            return state, [
                messages.info(f"I don't know the command /{command[:40]}. Try /help."),
                *self._pending(state),
            ]
        return handler(state, text[:MAX_TEXT])

    def _cmd_start(self, state: DialogueState, payload: str) -> tuple[DialogueState, list[Reply]]:
        """/start, or a deep link's payload: recommend, ask or compare-<a>-<b> (framework ids).

        An unknown payload is a plain /start.
        """
        fresh = DialogueState(step=state.step + 1)
        if payload in ("recommend", "ask", "compare"):
            return self._menu(fresh, payload)
        pair = self._deep_link_pair(payload)
        if pair is not None:
            return fresh, [messages.compare(self.kb, *pair)]
        return fresh, [messages.welcome()]

    def _deep_link_pair(self, payload: str) -> tuple[str, str] | None:
        """The two framework ids of "compare-<a>-<b>" (ids may hold a dash: spring-boot)."""
        rest = payload.removeprefix("compare-")
        if rest == payload:
            return None
        for cut in range(1, len(rest) - 1):
            first, second = rest[:cut], rest[cut + 1 :]
            if rest[cut] == "-" and first in self.kb.frameworks and second in self.kb.frameworks:
                return (first, second) if first != second else None
        return None

    def _cmd_ask(self, state: DialogueState, text: str) -> tuple[DialogueState, list[Reply]]:
        if not text:
            return state, [
                messages.info("What would you like to know? e.g. /ask does Django have an admin?")
            ]
        return state, [self._answer(text, None), *self._pending(state)]

    def _cmd_compare(self, state: DialogueState, text: str) -> tuple[DialogueState, list[Reply]]:
        pair = mentioned_frameworks(text, self.kb)
        if len(pair) < 2:
            return state, [
                messages.info("Name two frameworks, e.g. /compare Django vs Spring Boot."),
                *self._pending(state),
            ]
        compared = replace(self.answerer.comparison(pair[0], pair[1]), question=text)
        return state, [feedback.with_answer(compared), *self._pending(state)]

    # -- free text ---------------------------------------------------------------------------

    def _on_text(self, state: DialogueState, text: str) -> tuple[DialogueState, list[Reply]]:
        text = self.resolver.unframed(text)  # "ok so", "unrelated but": nothing to read
        follow = self._follow_up(state, text)
        if follow is not None:
            return state, [self._resolved(state, text, *follow), *self._pending(state)]
        meaning = self.interpreter.interpret(text, state)
        # Answer the text the vector encodes: typos mended ("operationaly" -> "operational").
        return self._act(state, meaning.text or text, meaning)

    def _act(
        self, state: DialogueState, text: str, meaning: Meaning
    ) -> tuple[DialogueState, list[Reply]]:
        if meaning.act == "intent" and meaning.intent is not None:
            return self.intents[meaning.intent](state, text, meaning.vector)
        if meaning.act == "change":
            return self._change(state, meaning.slot)
        if meaning.act == "compare":
            a, b = meaning.frameworks[:2]
            reply = feedback.with_answer(self.answerer.comparison(a, b, text, meaning.vector))
            return state, [reply, *self._pending(state)]
        if meaning.act == "fill":
            if state.mode == "idle":
                return self._start_form(state, meaning.extraction)
            # After a pick, "what does the article recommend for a full-stack typescript
            # team?" asks about another team: only a statement or a "what if" changes answers.
            # Facts stated before a question still do ("we're a Java shop now. what now?").
            asked = self.resolver.asks(text) and not self._stated(text, meaning.extraction.matches)
            if state.mode != "done" or not asked:
                return self._update(state, meaning.extraction)
        if meaning.act == "unclear":
            # Not an answer and no known intent: chatter gets a short reply, a near miss the
            # slot's re-prompt.
            result = self.retriever.search(text, k=1, vector=meaning.vector)
            if not getattr(result, "in_scope", True):
                return state, [messages.info(OUT_OF_SCOPE), *self._pending(state)]
            return state, [self._question(state, reprompt=True)]
        return state, [self._answer(text, meaning.vector), *self._pending(state)]

    def _follow_up(
        self, state: DialogueState, text: str
    ) -> tuple[Resolution, answer.Answer | None] | None:
        """The standalone question `text` stands for in this conversation, or None; with its
        answer when finding it took answering it already.

        Exact keywords ("skip", "back") are never follow-ups, nor is an answer to the pending
        question ("what about serverless?" answers "Where will it run?") unless it compares,
        asks why not ("would quarkus suit the serverless bits better") or points at a
        framework ("is it hard to hire for?" asks about the subject, not what matters most).
        """
        if self.interpreter.classifier.keyword(text) is not None:
            return None
        text = self._mended(text)
        if state.mode == "done" and self._states_facts(text):
            return None  # "it's a java org with 5 teams. re-recommend?": facts first
        resolution = self.resolver.resolve(self._asked(text), state.subject)
        follow: tuple[Resolution, answer.Answer | None] | None = None
        if resolution is not None:
            follow = (resolution, None)
        if follow is None and state.subject.pick is not None:
            follow = self._about_pick(self.resolver.unframed(text), state.subject.pick)
        if (
            follow is not None
            and follow[0].act == "ask"
            and not follow[0].referred
            and state.mode == "form"
        ):
            pending = self.extractor.extract(text, state.requested_slot)
            if state.requested_slot in pending.values:
                return None
        return follow

    def _states_facts(self, text: str) -> bool:
        """Whether `text` states facts about the team before it asks ("btw i got the team
        wrong. it's a java org with 5 teams. re-recommend?"): a slot's phrase stated (see
        `_stated`) in a sentence before the last."""
        sentences = sentence_spans(text)
        if len(sentences) < 2:
            return False
        stated = self._stated(text, self.extractor.extract(text).matches)
        return any(m.start < sentences[-1][0] for m in stated)

    def _asked(self, text: str) -> str:
        """`text` up to the end of its last sentence that asks, when what follows states no
        fact ("and the same list for node? I'm putting together a one-pager tbh")."""
        asking = asking_sentences(text)
        if not asking or asking[-1][1] == sentence_spans(text)[-1][1]:
            return text
        end = asking[-1][1]
        rest = text[end:]
        if self._stated(rest, self.extractor.extract(rest).matches):
            return text
        return text[:end] + rest[: len(rest) - len(rest.lstrip("?!. "))].rstrip()

    def _stated(self, text: str, matches: Sequence[SlotMatch]) -> list[SlotMatch]:
        """The `matches` that state a fact: in a sentence that asks nothing, and not within a
        framework's name ("compare it to django" asks about Django, says nothing of Python).
        A language's name is no framework's here: "we're on kotlin now" states the team's."""
        names = framework_spans(text, self.kb, languages=False)
        asking = asking_sentences(text)
        return [
            m
            for m in matches
            if not named_within(names, m.start, m.end)
            and not any(a <= m.start < b for a, b in asking)
        ]

    def _about_pick(self, text: str, pick: str) -> tuple[Resolution, answer.Answer | None] | None:
        """After a pick, a question naming no technology is about the pick ("what should we
        watch out for?"), unless the article answers it apart from any one runtime ("what's
        the bottom line on how to pick?"): then its answer alone is the reply. A question is
        never a fact about the team: only a statement changes an answer."""
        if not self.resolver.asks(text) or mentioned_frameworks(text, self.kb, languages=True):
            return None
        if mentioned_uncovered(text, self.kb):
            return None
        alone = self.answerer.answer(text)
        if (
            alone.in_scope
            and alone.passages
            and answer.family_of(self.kb, alone.passages[0]) is None
        ):
            return Resolution("ask", text), alone
        name = self.resolver.referent(pick)
        return Resolution("ask", f"{text.rstrip(' ?.!')} with {name}?", (pick,)), None

    def _resolved(
        self,
        state: DialogueState,
        text: str,
        resolution: Resolution,
        answered: answer.Answer | None,
    ) -> Reply:
        """The reply to a follow-up: its standalone question answered as a first one is
        (`answered`: that answer, when it is known already)."""
        if resolution.act == "why_not" and state.subject.pick is not None:
            return self._why_not(state, text, resolution)
        if resolution.act in ("compare", "why_not"):
            first, second = resolution.frameworks[:2]
            found = self.answerer.comparison(first, second, resolution.text)
        else:
            found = answered or self.answerer.answer(resolution.text)
        resolved = resolution.text if resolution.text != text else None
        return feedback.with_answer(replace(found, question=text), resolved)

    def _why_not(self, state: DialogueState, text: str, resolution: Resolution) -> Reply:
        """Why the pick and not the other framework of `resolution`, from the score table."""
        needs = [StatedNeed(need, words) for need, words in state.needs.items()]
        other = resolution.frameworks[1]
        why = self.advisor.why_not(other, state.slots, state.negated, needs, state.excluded)
        reply = messages.why_not(self.kb, why)
        answered = Answered(
            text,
            "why_not",
            True,
            resolution.text,
            None,
            self._cited(reply),
            (why.pick.id, why.other.id),
        )
        return replace(reply, answered=answered)

    def _greet(
        self, state: DialogueState, _: str, __: np.ndarray | None
    ) -> tuple[DialogueState, list[Reply]]:
        if state.mode == "form":
            return state, [messages.info("Hi!"), *self._pending(state)]
        return state, [messages.welcome()]

    def _intent_recommend(
        self, state: DialogueState, _: str, __: np.ndarray | None
    ) -> tuple[DialogueState, list[Reply]]:
        if state.mode == "form":
            return state, self._pending(state)
        return self._start_form(state, Extraction())

    def _intent_ask(
        self, state: DialogueState, text: str, vector: np.ndarray | None
    ) -> tuple[DialogueState, list[Reply]]:
        return state, [self._answer(text, vector), *self._pending(state)]

    def _answer(self, text: str, vector: np.ndarray | None) -> Reply:
        return feedback.with_answer(self.answerer.answer(text, vector))

    def _pick_question(self, state: DialogueState) -> str:
        """What a pick answered, for the feedback log: the answers and needs it was based on."""
        said = [
            f"{self.spec.slot(name).title}: {self.spec.slot(name).option(value).label}"
            for name, value in state.slots.items()
            if name in self.spec.slot_names and value in self.spec.slot(name).values
        ]
        said += [f"needs: {words}" for words in state.needs.values()]
        frameworks = self.kb.frameworks
        said += [f"not {frameworks[f].name}" for f in state.excluded if f in frameworks]
        return "; ".join(said) or "(no answers given)"

    # -- the form ----------------------------------------------------------------------------

    def _fill(
        self,
        state: DialogueState,
        values: dict[str, str],
        negated: dict[str, list[str]],
        extraction: Extraction | None = None,
    ) -> None:
        if extraction is not None:
            for match in extraction.needs:
                state.needs[match.need] = match.text
            state.excluded += [f for f in extraction.excluded if f not in state.excluded]
        words = extraction.said if extraction is not None else {}
        for name, value in values.items():
            state.slots[name] = value
            if words.get(name):
                state.said[name] = words[name]
            else:
                state.said.pop(name, None)
            if name in state.skipped:
                state.skipped.remove(name)
            state.negated.pop(name, None)
            if name in state.history:
                state.history.remove(name)
            state.history.append(name)
        for name, ruled_out in negated.items():
            if name in state.slots and state.slots[name] in ruled_out:
                del state.slots[name]
                state.said.pop(name, None)
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
        self._fill(fresh, extraction.values, extraction.negated, extraction)
        said = messages.understood(self.spec, self.kb, extraction)
        return self._advance(fresh, [said] if said else [])

    def _update(
        self, state: DialogueState, extraction: Extraction
    ) -> tuple[DialogueState, list[Reply]]:
        shown = self._recommend(state) if state.mode == "done" else None
        self._fill(state, extraction.values, extraction.negated, extraction)
        direct = (
            set(extraction.values) == {state.requested_slot}
            and not extraction.negated
            and not extraction.needs
            and not extraction.excluded
        )
        if state.requested_slot in extraction.values or state.mode == "done":
            state.requested_slot = None
        # A plain answer to the question asked needs no "here's what I understood".
        said = None if direct else messages.understood(self.spec, self.kb, extraction)
        return self._advance(state, [said] if said else [], shown, extraction)

    def _advance(
        self,
        state: DialogueState,
        out: list[Reply],
        shown: Recommendation | None = None,
        stated: Extraction | None = None,
    ) -> tuple[DialogueState, list[Reply]]:
        """Ask the pending or the most informative question, or give the pick when none is left
        (`shown`: the pick shown before the facts `stated`, to say what they did to it)."""
        state.step += 1
        pending = state.requested_slot
        if pending and pending not in state.slots and pending not in state.skipped:
            state.mode = "form"
            return state, [*out, self._question(state)]
        status = self._status(state)
        if status.next_slot is not None:
            state.mode, state.requested_slot = "form", status.next_slot
            return state, [*out, self._question(state)]
        rec = self._recommend(state)
        # After a correction the user wants to know first what it did to the pick.
        before = state.last_pick
        if before is not None:
            out.append(self._pick_change(before, rec, shown, stated))
        state.mode, state.requested_slot, state.last_pick = "done", None, rec.pick.id
        state.subject = Subject(
            frameworks=[rec.pick.id], pick=rec.pick.id, runner_up=rec.runner_up.id, kind="pick"
        )
        pick = messages.recommendation(self.kb, self.spec, rec)
        share = (inline_mode.share_option(self.share_codec.encode(state)),)
        pick = replace(pick, options=(*pick.options, share))
        return state, [*out, feedback.with_pick(pick, self._pick_question(state))]

    def _pick_change(
        self,
        before: str,
        rec: Recommendation,
        shown: Recommendation | None,
        stated: Extraction | None = None,
    ) -> Reply:
        """The move line; when the pick stays, with the reasons and watch-outs the facts just
        stated added ("editors need a backoffice admin": Django's admin), or else those they
        bear on already ("actually we're on kotlin, not java": the team's language), as an
        answer about the pick ("btw we care a lot about observability" gets Spring Boot's
        word on it)."""
        if shown is None or before != rec.pick.id:
            return messages.pick_change(self.kb, before, rec.pick.id)
        had = {(r.text, r.source) for r in (*shown.reasons, *shown.watch_out)}
        added = [r for r in (*rec.reasons, *rec.watch_out) if (r.text, r.source) not in had]
        known = False
        if not added and stated is not None:
            needs = {n.need for n in stated.needs}
            bearing = {
                rule.id
                for rule in self.kb.rules
                if set(rule.when) & set(stated.values) or set(rule.needs) & needs
            }
            added = [r for r in (*rec.reasons, *rec.watch_out) if r.rule in bearing]
            known = True
        reply = messages.pick_change(self.kb, before, rec.pick.id, added, known)
        if not added:
            return reply
        answered = Answered("", "answer", True, None, None, self._cited(reply), (rec.pick.id,))
        return replace(reply, answered=answered)

    def _cited(self, reply: Reply) -> tuple[Shown, ...]:
        """The passages `reply` cites, each once, in order: what a reply built from the
        advisor's reasons (a why-not, what a fact added) showed."""
        cited = [p.citation.passage_id for p in reply.parts if p.citation is not None]
        return tuple(
            Shown(pid, self.kb.passage(pid).section_label, self.kb.passage(pid).text, 1.0)
            for pid in dict.fromkeys(cited)
        )

    def _skip(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        slot = state.requested_slot
        if state.mode != "form" or slot is None:
            return state, [messages.info("There's no question to skip. /recommend starts one.")]
        if slot not in state.skipped:
            state.skipped.append(slot)
        if slot in state.history:
            state.history.remove(slot)
        state.history.append(slot)
        state.requested_slot = None
        return self._advance(state, [])

    def _back(self, state: DialogueState) -> tuple[DialogueState, list[Reply]]:
        if state.mode == "idle" or not state.history:
            return state, [messages.info("There's nothing to go back to."), *self._pending(state)]
        slot = state.history.pop()
        state.slots.pop(slot, None)
        state.said.pop(slot, None)
        if slot in state.skipped:
            state.skipped.remove(slot)
        state.requested_slot, state.mode = slot, "form"
        state.step += 1
        return state, [self._question(state)]

    def _change(self, state: DialogueState, slot: str | None) -> tuple[DialogueState, list[Reply]]:
        if slot is None:
            return state, [messages.change_menu(self.spec, state.slots, state.skipped)]
        if slot not in self.spec.slot_names:
            return self._bad_button(state)
        state.slots.pop(slot, None)
        state.said.pop(slot, None)
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
            return state, [messages.info("Nothing to cancel.", options=messages.MENU)]
        return DialogueState(step=state.step + 1), [
            messages.info("Cancelled. Your answers are forgotten.", options=messages.MENU)
        ]
