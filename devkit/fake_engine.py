"""A tiny scripted engine with the real engine's interface, for adapter tests and benchmarks."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from bot.replies import Article, Citation, DialogueState, InlineAnswer, Option, Part, Reply, Turn

SLOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "team_language": (
        "Which language does your team know best?",
        ("python", "typescript", "java"),
    ),
    "workload": ("What will the backend mostly do?", ("crud", "realtime")),
    "team_size": ("How big is the team?", ("small", "large")),
}
_CONTROLS = (
    Option("Skip", "skip"),
    Option("Back", "back"),
    Option("Start over", "restart"),
)


class FakeEngine:
    """Three slots, a pick from their values; echoes questions so escaping can be tested.

    `gate`, when set, holds every model turn's prefetch until released (a slow model).
    """

    def __init__(self) -> None:
        self.gate: threading.Event | None = None
        self.turns: list[Turn] = []
        self.fail_next = False

    def needs_model(self, turn: Turn) -> bool:
        """Free text and /ask run 'the model'."""
        return turn.option is None and (turn.command in (None, "ask")) and bool(turn.text)

    def prefetch(self, turn: Turn, state: DialogueState | None = None) -> Future[None] | None:
        """'The model' for a model turn: done at once, or when `gate` opens."""
        if not self.needs_model(turn):
            return None
        done: Future[None] = Future()
        gate = self.gate
        if gate is None:
            done.set_result(None)
        else:
            threading.Thread(
                target=lambda: (gate.wait(timeout=60), done.set_result(None)), daemon=True
            ).start()
        return done

    def prefetch_inline(self, query: str) -> Future[None] | None:
        """An inline query's 'model' work: as a free-text turn's."""
        return self.prefetch(Turn(text=query))

    def inline(self, query: str) -> InlineAnswer:
        """One result echoing the query; the card for an empty one."""
        if not query.strip():
            card = Reply("info", (Part("paragraph", "I help teams pick a backend framework."),))
            recommend = Option("Get a recommendation", "menu", value="recommend")
            return InlineAnswer((Article("card", "Advisor", "What I do", card),), recommend)
        return InlineAnswer((Article("a1", query[:64], "An answer", _answer(query)),))

    def handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        """One turn: the new state and replies."""
        self.turns.append(turn)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("engine failure injected by a test")
        if turn.option is not None:
            return self._button(state, turn.option, turn.step)
        if turn.command is not None:
            return self._command(state, turn.command, turn.text)
        return self._text(state, turn.text)

    def _command(
        self, state: DialogueState, command: str, text: str
    ) -> tuple[DialogueState, list[Reply]]:
        if command in ("start", "help"):
            menu = (
                (Option("Recommend a framework", "menu", value="recommend"),),
                (
                    Option("Ask a question", "menu", value="ask"),
                    Option("Compare", "menu", value="compare"),
                ),
            )
            return state, [_info("I help teams pick a backend framework.", options=menu)]
        if command == "recommend":
            return self._start_form(text)
        if command == "cancel":
            return DialogueState(step=state.step + 1), [_info("Cancelled.")]
        if command in ("ask", "compare", "sources"):
            return state, [_answer(text or command)]
        return state, [_info(f"Unknown command /{command}.")]

    def _text(self, state: DialogueState, text: str) -> tuple[DialogueState, list[Reply]]:
        if "which framework" in text.lower():
            return self._start_form(text)
        if state.mode == "form" and state.requested_slot:
            values = SLOTS[state.requested_slot][1]
            if text.strip().lower() in values:
                return self._fill(state, state.requested_slot, text.strip().lower())
            # A digression: answer it; the pending question (and its buttons) stay valid.
            return state, [_answer(text)]
        return state, [_answer(text)]

    def _start_form(self, text: str) -> tuple[DialogueState, list[Reply]]:
        state = DialogueState(mode="form")
        for slot, (_, values) in SLOTS.items():
            for value in values:
                if value in text.lower():
                    state.slots[slot] = value
                    state.history.append(slot)
        return self._next(state)

    def _button(
        self, state: DialogueState, option: Option, step: int | None
    ) -> tuple[DialogueState, list[Reply]]:
        if option.action == "menu":
            if option.value == "recommend":
                return self._start_form("")
            return state, [_info("Type your question.")]
        if option.action == "restart":
            return self._start_form("")
        if option.action == "chart":
            if not state.last_pick:
                return state, [_info("No recommendation yet: /recommend first.")]
            scores = {"Django": 2.0, "NestJS": 1.0, "Spring Boot": 0.5, "FastAPI": 1.5}
            scores[state.last_pick] = 5.0
            return state, [Reply("info", (Part("heading", "Scores"),), (), scores)]
        if step != state.step:
            replies = [Reply("error", (Part("paragraph", "This button has expired."),))]
            if state.mode == "form":
                replies.append(self._question(state))
            return state, replies
        if option.action == "answer" and option.slot in SLOTS and option.value:
            return self._fill(state, option.slot, option.value)
        if option.action == "skip" and state.requested_slot:
            state.skipped.append(state.requested_slot)
            return self._next(state)
        if option.action == "back" and state.history:
            state.slots.pop(state.history.pop(), None)
            state.mode = "form"
            return self._next(state, only=state.requested_slot)
        if option.action == "change" and option.slot in SLOTS:
            state.slots.pop(option.slot, None)
            state.mode = "form"
            return self._next(state, only=option.slot)
        return state, [self._question(state)] if state.mode == "form" else []

    def _fill(
        self, state: DialogueState, slot: str, value: str
    ) -> tuple[DialogueState, list[Reply]]:
        if value not in SLOTS[slot][1]:
            return state, [self._question(state)]
        state.slots[slot] = value
        state.history.append(slot)
        return self._next(state)

    def _next(
        self, state: DialogueState, only: str | None = None
    ) -> tuple[DialogueState, list[Reply]]:
        state.step += 1
        pending = [s for s in SLOTS if s not in state.slots and s not in state.skipped]
        if only and only not in state.slots:
            pending = [only]
        if pending:
            state.mode = "form"
            state.requested_slot = pending[0]
            return state, [self._question(state)]
        state.mode = "done"
        state.requested_slot = None
        pick = {"python": "Django", "typescript": "NestJS", "java": "Spring Boot"}.get(
            state.slots.get("team_language", ""), "FastAPI"
        )
        state.last_pick = pick
        scores = {"Django": 2.0, "NestJS": 1.0, "Spring Boot": 0.5, "FastAPI": 1.5}
        scores[pick] = 5.0
        options = (
            (Option("📊 Score chart", "chart"),),
            (Option("Change team language", "change", slot="team_language"),),
            (Option("Start over", "restart"),),
        )
        parts = (Part("heading", f"Recommendation: {pick}"), Part("paragraph", "Because <tests>."))
        return state, [Reply("recommendation", parts, options, scores)]

    def _question(self, state: DialogueState) -> Reply:
        slot = state.requested_slot or next(iter(SLOTS))
        text, values = SLOTS[slot]
        row = tuple(Option(v.title(), "answer", slot=slot, value=v) for v in values)
        return Reply("question", (Part("paragraph", text),), (row, _CONTROLS))


def _info(text: str, options: tuple[tuple[Option, ...], ...] = ()) -> Reply:
    return Reply("info", (Part("paragraph", text),), options)


def _answer(text: str) -> Reply:
    citation = Citation("wins.django", "Where Each Wins > Django", "article")
    return Reply(
        "answer",
        (
            Part("paragraph", f"You asked: {text}"),
            Part("quote", "Django & friends <3 content sites.", citation),
        ),
    )
