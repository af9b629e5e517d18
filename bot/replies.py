"""What flows through the engine: a user turn in, replies out, and the state between turns.

Adapters (Telegram, console, CLI) only ever build `Turn`s, persist `DialogueState` as a plain
dict, and hand `Reply`s to bot.render. Nothing here knows about Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

# What a button asks the engine to do. "answer" fills `slot` with `value`; "change" re-asks
# `slot`; "menu" starts one of the /start choices (value: recommend | ask | compare);
# "passage" answers with the passage `value` ("did you mean" choices); "chart" asks for the
# score chart of the last pick; "record" for its decision record (a Markdown document);
# "share" posts the pick's summary elsewhere (`value`: the inline query that brings it back,
# see bot.dialogue.inline).
Action = Literal[
    "answer", "skip", "back", "restart", "cancel", "change", "menu", "passage", "chart",
    "record", "share",
]  # fmt: skip
# "document": a whole document (its first heading the title, the others its sections) that
# adapters deliver as a file named `file_name` where they can.
ReplyKind = Literal[
    "question", "answer", "recommendation", "comparison", "info", "error", "document"
]


@dataclass(frozen=True, slots=True)
class Option:
    """One button; `label` is what the user sees, the rest is what pressing it means."""

    label: str
    action: Action
    slot: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a statement comes from: a passage id, its section path and its source's title."""

    passage_id: str
    section: str
    source: str


@dataclass(frozen=True, slots=True)
class Part:
    """One block of a reply. `style` tells renderers how to show it; text is never markup.

    heading: a bold line; paragraph: plain text; bullet: a list item; quote: a passage quoted
    from the knowledge base (with `citation`); table: `rows` of cells, first row the header.
    """

    style: Literal["heading", "paragraph", "bullet", "quote", "table"]
    text: str = ""
    citation: Citation | None = None
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Asked:
    """What an answer or a pick replied to, for the feedback log (never who asked).

    `passages` are the (id, section) pairs shown, best first; `topic` is what the owner's
    report counts it under; `declined` marks a question the article does not cover; `votable`
    asks the adapter for 👍 / 👎 buttons.
    """

    question: str
    passages: tuple[tuple[str, str], ...] = ()
    topic: str = ""
    declined: bool = False
    votable: bool = False


@dataclass(frozen=True, slots=True)
class Shown:
    """One passage an answer showed, best first: what `ask --json` and `chat --json` list."""

    id: str
    section: str
    text: str
    score: float


# answer: quoted passages; comparison: two frameworks side by side; why_not: why the pick beat
# another framework; decline: the article does not cover it; choices: "did you mean".
AnswerKind = Literal["answer", "comparison", "why_not", "decline", "choices"]


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer reply answered: the question as written, the standalone question a
    follow-up was read as (None for a first question), and what it showed.

    `frameworks` are what the answer is about (a comparison's or a why-not's pair, pick
    first); `aspect` the article's topic it answered (a table row, watch-outs...), if any.
    """

    question: str
    kind: AnswerKind
    in_scope: bool
    resolved: str | None = None
    answer_line: str | None = None
    passages: tuple[Shown, ...] = ()
    frameworks: tuple[str, ...] = ()
    aspect: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A message from the engine: parts in order, then buttons in rows."""

    kind: ReplyKind
    parts: tuple[Part, ...]
    options: tuple[tuple[Option, ...], ...] = ()
    # Framework name -> score, when the reply is a recommendation (Telegram draws a chart).
    scores: dict[str, float] = field(default_factory=dict)
    # Framework name -> criterion -> points: what each score is made of (the score table's
    # rows), for the chart's stacked bars. Criteria in the table's order.
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)
    # For a "document": the file name an adapter sends it as, e.g. "decision-django.md".
    file_name: str = ""
    # Set on answers, declines and picks: what the feedback log records (adapters may ignore).
    asked: Asked | None = None
    # Set on answers (comparisons, why-nots and declines included): `chat --json` reports it.
    answered: Answered | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """One inline-mode result: its title and short preview, and the message it posts."""

    id: str
    title: str
    description: str
    reply: Reply


@dataclass(frozen=True, slots=True)
class InlineAnswer:
    """The results for an inline query, and an option offered above them (`button`)."""

    articles: tuple[Article, ...]
    button: Option | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """One user turn: free text, a command (without the slash) or a button press.

    `step` on a button is the state's step when the button was shown: an older step means
    the button is stale.
    """

    text: str = ""
    command: str | None = None
    option: Option | None = None
    step: int | None = None

    @classmethod
    def typed(cls, line: str) -> Turn:
        """A typed line: "/cmd rest" (a group's "/cmd@bot_name rest" too) or free text."""
        text = line.strip()
        if text.startswith("/") and len(text) > 1:
            command, _, rest = text[1:].partition(" ")
            return cls(text=rest.strip(), command=command.split("@")[0].lower())
        return cls(text=text)


SubjectKind = Literal["", "answer", "comparison", "why_not", "pick"]


class Subject(BaseModel):
    """What the conversation is about: what the last answer or pick was about.

    A follow-up ("and node?", "is it hard to hire for?", "why not fastapi?") is read against
    it. `question` is the last standalone question answered; `pair` the last comparison's two
    frameworks; `pick` and `runner_up` are set by a recommendation.
    """

    frameworks: list[str] = Field(default_factory=list)
    # The frameworks discussed before `frameworks`: "the other one", "the two" with one in view.
    previous: list[str] = Field(default_factory=list)
    aspect: str | None = None
    question: str = ""
    pair: list[str] = Field(default_factory=list)
    pick: str | None = None
    runner_up: str | None = None
    # What the last reply was: a follow-up "and node?" after a why-not asks why not Node.
    kind: SubjectKind = ""


class DialogueState(BaseModel):
    """A conversation between turns; plain data so any storage can persist `model_dump()`."""

    mode: Literal["idle", "form", "done"] = "idle"
    slots: dict[str, str] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list)
    negated: dict[str, list[str]] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)  # slots in the order they were filled
    requested_slot: str | None = None
    step: int = 0
    last_pick: str | None = None
    # Needs the user stated, in their words (need id -> words), and frameworks they ruled out
    # by name: both count for the pick like answers do.
    needs: dict[str, str] = Field(default_factory=dict)
    excluded: list[str] = Field(default_factory=list)
    # Slot -> the user's words an answer was read from (none for a button): the decision
    # record quotes them.
    said: dict[str, str] = Field(default_factory=dict)
    subject: Subject = Field(default_factory=Subject)
