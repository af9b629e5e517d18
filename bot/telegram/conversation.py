"""One turn end to end: load the state, run the engine, send the replies, then save."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import Future
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, LinkPreviewOptions, Message
from aiogram.utils.chat_action import ChatActionSender
from cachetools import FIFOCache
from pydantic import ValidationError

from bot.feedback import FeedbackLog, Shown, vote_key
from bot.render.html import MESSAGE_LIMIT, escape_html, render_html, utf16_len
from bot.render.markdown import render_markdown
from bot.replies import DialogueState, Reply, Turn
from bot.telegram.chart import render_chart
from bot.telegram.keyboards import build_keyboard, remembered_refs, with_votes

log = logging.getLogger(__name__)

# Keys of the chat's FSM data. The dialogue state itself is DialogueState.model_dump().
STATE_KEY = "dialogue"
REFS_KEY = "refs"  # options too long for 64 bytes of callback_data (see keyboards.RefCallback)
QUESTION_KEY = "question"  # the pending question's message: id, html, keyboard, step
# Answers with 👍 / 👎 buttons: key -> [question, [[passage id, section], ...], topic]. The
# chat's own record (deleted by /forget, expiring with it), so the feedback log itself never
# needs to know who asked; the newest MAX_VOTABLE are kept, older buttons say "expired".
VOTES_KEY = "votes"
MAX_VOTABLE = 16

# Telegram shows "typing…" for 5 seconds; renew a little before it lapses.
TYPING_RENEW_SECONDS = 4.5
# A reply within a second reads as instant: "typing…" is for the waits longer than that, and
# sending it for every question cost a Bot API call per answer (a quarter of all calls).
TYPING_DELAY_SECONDS = 1.0
TYPING_FLUSH_SECONDS = 2.0

# Citations name sections, not URLs; a preview card would only push the answer up.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

NON_TEXT_HINT = "I can only read text. Type your answer or a question, or use the buttons."
EXPIRED = "This button has expired."


class Engine(Protocol):
    """What the adapter needs from bot.dialogue's engine."""

    def handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        """Run one turn: the new state and the replies."""
        ...

    def needs_model(self, turn: Turn) -> bool:
        """True when the turn runs the embedding model (keep it off the event loop)."""
        ...

    def prefetch(self, turn: Turn, state: DialogueState | None = None) -> Future[Any] | None:
        """Start the turn's model work in another thread; None when it cannot."""
        ...


def read_state(data: dict[str, Any]) -> DialogueState:
    """The chat's DialogueState from FSM data; a fresh one when absent or corrupt (logged)."""
    raw = data.get(STATE_KEY)
    if raw is None:
        return DialogueState()
    try:
        return DialogueState.model_validate(raw)
    except ValidationError as exc:
        log.warning(
            "stored dialogue state is corrupt (%d errors); starting afresh", exc.error_count()
        )
        return DialogueState()


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int, thread_id: int | None = None) -> AsyncIterator[None]:
    """Show "typing…" while the block runs, once it has run TYPING_DELAY_SECONDS.

    aiogram's ChatActionSender sends and renews it; a failing chat action never fails the turn
    (sending.QuietChatActions, on the bot's session, reports it as sent).
    """
    sender = ChatActionSender(
        bot=bot,
        chat_id=chat_id,
        message_thread_id=thread_id,
        interval=TYPING_RENEW_SECONDS,
        initial_sleep=TYPING_DELAY_SECONDS,
    )
    await sender.__aenter__()
    try:
        yield
    finally:
        # An action in flight must land before the reply, or "typing…" would linger after it;
        # one held up by retries holds the reply up for TYPING_FLUSH_SECONDS at most.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(sender.__aexit__(None, None, None), TYPING_FLUSH_SECONDS)


class Chat:
    """Where replies go: a chat (and forum topic), and the message whose button was pressed."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        thread_id: int | None = None,
        pressed: Message | None = None,
        pressed_label: str = "",
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.thread_id = thread_id
        self.pressed = pressed
        self.pressed_label = pressed_label

    async def send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        """Send one HTML message."""
        return await self.bot.send_message(
            self.chat_id,
            text,
            parse_mode="HTML",
            reply_markup=markup,
            message_thread_id=self.thread_id,
            link_preview_options=_NO_PREVIEW,
        )

    async def edit(self, message_id: int, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Edit a message in place; False when Telegram refuses (too old, deleted)."""
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=self.chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
            )
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return True
            log.info("could not edit message %d: %s", message_id, exc.message)
            return False
        return True

    async def retire_keyboard(self, message_id: int) -> None:
        """Remove a message's buttons (cosmetic: failures are ignored)."""
        with contextlib.suppress(TelegramAPIError):
            await self.bot.edit_message_reply_markup(
                chat_id=self.chat_id, message_id=message_id, reply_markup=None
            )

    async def document(self, content: bytes, file_name: str, caption: str) -> None:
        """Send a file with an HTML caption."""
        await self.bot.send_document(
            self.chat_id,
            BufferedInputFile(content, filename=file_name),
            caption=caption,
            parse_mode="HTML",
            message_thread_id=self.thread_id,
        )

    async def photo(self, png: bytes, caption: str) -> None:
        """Send a PNG with an HTML caption."""
        await self.bot.send_photo(
            self.chat_id,
            BufferedInputFile(png, filename="scores.png"),
            caption=caption,
            parse_mode="HTML",
            message_thread_id=self.thread_id,
        )


async def run_engine(
    engine: Engine, state: DialogueState, turn: Turn, chat: Chat
) -> tuple[DialogueState, list[Reply]]:
    """engine.handle on the loop, once the model's share of the turn is done in its thread.

    `state` is the turn's own (read_state builds it from the stored data each update), so a
    step that fails half-way leaves nothing changed that is stored or read again.
    """
    pending = engine.prefetch(turn, state)
    if pending is None and not engine.needs_model(turn):
        # Buttons and slot answers cost about a millisecond: they never queue behind the model.
        return engine.handle(state, turn)
    async with typing(chat.bot, chat.chat_id, chat.thread_id):
        if pending is not None:
            try:
                await asyncio.wrap_future(pending)
            except Exception:  # the model failed: handle() tries again and reports it
                pending = None
        if pending is None:
            return await asyncio.to_thread(engine.handle, state, turn)
    # The vector is cached: the rest of the turn is about a millisecond of numpy. Inline, no
    # thread per chat contends with the loop and the model for the GIL (with a pool of 16,
    # each SQLite call and socket write waited ~0.2 ms to win it back).
    return engine.handle(state, turn)


def _editable_prefix(rendered: list[tuple[Reply, list[str], Any]]) -> int | None:
    """How many leading replies fold into one edit of the pressed question (None: no edit).

    Replies up to and including the first question qualify when only the question has buttons
    and together they fit in one message (4096 characters).
    """
    for n, (reply, _, markup) in enumerate(rendered):
        if reply.kind == "question":
            combined = "\n\n".join(t for _, ts, _ in rendered[: n + 1] for t in ts)
            return n + 1 if utf16_len(combined) <= MESSAGE_LIMIT else None
        if markup is not None:
            return None
    return None


async def deliver(
    chat: Chat, replies: list[Reply], step: int, data: dict[str, Any], votable: bool = False
) -> dict[str, Any]:
    """Send `replies` (editing the pressed question in place); return the updated FSM data.

    `votable`: answers and picks get 👍 / 👎 buttons (the feedback log is on).
    """
    data = dict(data)
    refs = remembered_refs(data.get(REFS_KEY))
    old_question = data.get(QUESTION_KEY) or {}
    question = old_question
    votes = remembered_votes(data.get(VOTES_KEY)) if votable else None
    rendered = []
    for reply in replies:
        markup = build_keyboard(reply.options, step, refs)
        asked = reply.asked
        if votes is not None and asked is not None and asked.votable:
            key = vote_key(asked.question, (pid for pid, _ in asked.passages))
            votes.pop(key, None)
            votes[key] = [asked.question, [list(p) for p in asked.passages], asked.topic]
            markup = with_votes(markup, key)
        rendered.append((reply, render_html(reply), markup))
    pressed = chat.pressed
    start = 0
    if pressed is not None and old_question.get("id") == pressed.message_id:
        fold = _editable_prefix(rendered)
        edited = False
        if fold is not None:
            text = "\n\n".join(t for _, ts, _ in rendered[:fold] for t in ts)
            reply, texts, markup = rendered[fold - 1]
            edited = await chat.edit(pressed.message_id, text, markup)
            if edited:
                question = _question_record(pressed.message_id, texts[-1], markup, step)
                start = fold
        if not edited:
            await _close_question(chat, pressed.message_id, old_question)
            question = {}
        old_question = {}  # handled: edited in place or its buttons removed
    for reply, texts, markup in _joined(rendered[start:]):
        if _is_chart(reply, markup):
            await send_chart(chat, reply)
            continue
        if _is_file(reply):
            await send_file(chat, reply)
            continue
        message_id = 0
        for k, text in enumerate(texts):
            sent = await chat.send(text, markup if k == len(texts) - 1 else None)
            message_id = sent.message_id
        if reply.kind == "question":
            question = _question_record(message_id, texts[-1], markup, step)
    previous = old_question.get("id")
    if previous and previous != question.get("id") and old_question.get("markup"):
        # A newer question replaced it: its buttons would only say "expired" now.
        await chat.retire_keyboard(previous)
    data[REFS_KEY] = dict(refs)
    data[QUESTION_KEY] = question
    if votes is not None:
        data[VOTES_KEY] = dict(votes)
    return data


def remembered_votes(stored: Any) -> FIFOCache[str, list[Any]]:
    """A chat's votable answers (see VOTES_KEY), keeping the newest MAX_VOTABLE."""
    votes: FIFOCache[str, list[Any]] = FIFOCache(maxsize=MAX_VOTABLE)
    if isinstance(stored, dict):
        votes.update(stored)
    return votes


def shown_for(data: dict[str, Any], key: str) -> Shown | None:
    """What the answer named `key` showed, from the chat's data; None when forgotten."""
    stored = data.get(VOTES_KEY)
    entry: Any = stored.get(key) if isinstance(stored, dict) else None
    try:
        question, passages, topic = entry
        return Shown(str(question), tuple((str(i), str(s)) for i, s in passages), str(topic))
    except (TypeError, ValueError):
        return None


async def count_replies(feedback: FeedbackLog | None, replies: list[Reply]) -> None:
    """Count the turn's declined questions and answered topics in the feedback log.

    After the turn is saved: a crash in between loses a count rather than doubling one. A
    failing log is an error in the log, never in the chat (the user has the answer already).
    """
    if feedback is None:
        return
    try:
        for reply in replies:
            asked = reply.asked
            if asked is None:
                continue
            if asked.declined:
                await feedback.declined(asked.question)
            elif asked.topic:
                await feedback.asked(asked.topic)
    except Exception as exc:  # sqlite3 and redis raise their own kinds
        log.error("could not write the feedback log (%s)", type(exc).__name__, exc_info=exc)


def _is_chart(reply: Reply, markup: InlineKeyboardMarkup | None) -> bool:
    return bool(reply.scores) and reply.kind != "recommendation" and markup is None


def _is_file(reply: Reply) -> bool:
    return reply.kind == "document" and bool(reply.file_name)


def _joined(rendered: list[tuple[Reply, list[str], Any]]) -> list[tuple[Reply, list[str], Any]]:
    """Replies that fit together share one message: one notification and one Bot API call.

    A reply joins the next one unless it has buttons, is a question, a chart or a file, or
    the two would exceed one message (4096 characters).
    """
    out: list[tuple[Reply, list[str], Any]] = []
    for reply, texts, markup in rendered:
        if out and not _is_chart(reply, markup) and not _is_file(reply):
            before, before_texts, before_markup = out[-1]
            joinable = before_markup is None and before.kind != "question"
            joinable = joinable and not _is_chart(before, None) and not _is_file(before)
            joined = f"{before_texts[-1]}\n\n{texts[0]}"
            if joinable and utf16_len(joined) <= MESSAGE_LIMIT:
                out[-1] = (reply, [*before_texts[:-1], joined, *texts[1:]], markup)
                continue
        out.append((reply, texts, markup))
    return out


async def _close_question(chat: Chat, message_id: int, question: dict[str, Any]) -> None:
    """The answered question keeps its text, shows the answer chosen, and loses its buttons."""
    html = question.get("html")
    if html and chat.pressed_label:
        text = f"{html}\n\n<i>✓ {escape_html(chat.pressed_label)}</i>"
        if utf16_len(text) <= MESSAGE_LIMIT and await chat.edit(message_id, text, None):
            return
    await chat.retire_keyboard(message_id)


def _question_record(
    message_id: int, html: str, markup: InlineKeyboardMarkup | None, step: int
) -> dict[str, Any]:
    return {
        "id": message_id,
        "html": html,
        "markup": markup.model_dump(mode="json", exclude_none=True) if markup else None,
        "step": step,
    }


async def converse(
    fsm: FSMContext,
    engine: Engine,
    turn: Turn,
    chat: Chat,
    feedback: FeedbackLog | None = None,
) -> None:
    """Run `turn` for the chat: engine, send, and only then save (a failed send saves nothing).

    With a `feedback` log, answers carry vote buttons and the turn's declines and topics count.
    """
    data = await fsm.get_data()
    state = read_state(data)
    new_state, replies = await run_engine(engine, state, turn, chat)
    data = await deliver(chat, replies, new_state.step, data, votable=feedback is not None)
    data[STATE_KEY] = new_state.model_dump(mode="json")
    await fsm.set_data(data)
    await count_replies(feedback, replies)


async def repeat_question(fsm: FSMContext, chat: Chat, notice: str) -> None:
    """Send `notice`, then the pending question again (as a new message) if there is one."""
    data = await fsm.get_data()
    state = read_state(data)
    question = data.get(QUESTION_KEY) or {}
    pending = state.mode == "form" and question.get("html") and question.get("step") == state.step
    if not pending:
        await chat.send(escape_html(notice))
        return
    await chat.send(escape_html(notice))
    markup = (
        InlineKeyboardMarkup.model_validate(question["markup"]) if question.get("markup") else None
    )
    sent = await chat.send(question["html"], markup)
    if question.get("id") and markup is not None:
        # The copy just sent is the live one; the old buttons would only say "expired".
        await chat.retire_keyboard(question["id"])
    data[QUESTION_KEY] = {**question, "id": sent.message_id}
    await fsm.set_data(data)


async def send_chart(chat: Chat, reply: Reply) -> None:
    """A reply that carries scores but is not the recommendation itself: drawn as a PNG chart."""
    png = await asyncio.to_thread(render_chart, reply.scores, "", reply.breakdown)
    heading = next((p.text for p in reply.parts if p.style == "heading"), "Scores")
    # Telegram caps photo captions at 1024 characters.
    await chat.photo(png, escape_html(heading[:1000]))


async def send_file(chat: Chat, reply: Reply) -> None:
    """A "document" reply (the decision record) as a Markdown file with a one-line caption."""
    content = render_markdown(reply).encode("utf-8")
    title = next((p.text for p in reply.parts if p.style == "heading"), "Document")
    caption = f"{title} — the full decision record, in Markdown."
    # Telegram caps document captions at 1024 characters.
    await chat.document(content, reply.file_name, escape_html(caption[:1000]))
