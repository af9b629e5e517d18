"""Inline keyboards: engine Options <-> CallbackData within Telegram's 64-byte limit."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, MutableMapping

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.deep_linking import create_deep_link
from cachetools import FIFOCache

from bot.replies import Action, Option

# Telegram drops a button whose callback_data exceeds 64 bytes.
CALLBACK_DATA_LIMIT = 64
# Remembered long buttons per chat (see RefCallback); older ones simply expire.
MAX_REFS = 64

# One character per action keeps room for the slot and value in the 64 bytes.
_CODES: dict[str, str] = {
    "answer": "a",
    "skip": "s",
    "back": "b",
    "restart": "r",
    "cancel": "x",
    "change": "c",
    "menu": "m",
    "passage": "p",
    "chart": "g",
    "record": "d",
    "share": "h",
}
_ACTIONS: dict[str, str] = {code: action for action, code in _CODES.items()}


class OptionCallback(CallbackData, prefix="o"):
    """A button that says everything itself: action code, slot, value, the step it was shown at."""

    action: str
    slot: str = ""
    value: str = ""
    step: int


class RefCallback(CallbackData, prefix="r"):
    """A button whose option did not fit in 64 bytes: a hash looked up in the chat's data."""

    ref: str
    step: int


def option_ref(option: Option) -> str:
    """A short stable name for an option, for RefCallback."""
    raw = "\x1f".join((option.action, option.slot or "", option.value or ""))
    return hashlib.blake2s(raw.encode(), digest_size=6).hexdigest()


@functools.lru_cache(maxsize=4096)
def _packed(action: str, slot: str, value: str, step: int) -> str:
    """OptionCallback's callback_data, or "" when it cannot be one.

    Cached: every chat at a step gets the same buttons, and a pydantic model per button cost a
    fifth of a button press's time on the event loop.
    """
    try:
        data = OptionCallback(action=_CODES[action], slot=slot, value=value, step=step).pack()
    except ValueError:  # ':' in a value or over 64 bytes
        return ""
    return data if len(data.encode()) <= CALLBACK_DATA_LIMIT else ""


def remembered_refs(stored: Mapping[str, list[str]] | None) -> FIFOCache[str, list[str]]:
    """A chat's stored references (see RefCallback), keeping the newest MAX_REFS as more come.

    Save it back as dict(refs): its order is the order of first insertion, which pack_option
    keeps equal to the FIFO order.
    """
    refs: FIFOCache[str, list[str]] = FIFOCache(maxsize=MAX_REFS)
    refs.update(stored or {})
    return refs


def pack_option(option: Option, step: int, refs: MutableMapping[str, list[str]]) -> str:
    """callback_data for `option`; falls back to a RefCallback (recorded in `refs`) when long.

    `refs` bounds itself (remembered_refs); a button shown again becomes the newest.
    """
    data = _packed(option.action, option.slot or "", option.value or "", step)
    if data:
        return data
    ref = option_ref(option)
    refs.pop(ref, None)
    refs[ref] = [option.action, option.slot or "", option.value or "", option.label]
    return RefCallback(ref=ref, step=step).pack()


def unpack_option(data: OptionCallback) -> Option | None:
    """The Option a pressed OptionCallback stands for; None for an unknown action (forged)."""
    action = _ACTIONS.get(data.action)
    if action is None:
        return None
    return Option(
        label="", action=_as_action(action), slot=data.slot or None, value=data.value or None
    )


def unpack_ref(data: RefCallback, refs: MutableMapping[str, list[str]]) -> Option | None:
    """The Option behind a RefCallback, or None when the chat no longer remembers it."""
    entry = refs.get(data.ref)
    if not entry or len(entry) != 4 or entry[0] not in _CODES:
        return None
    action, slot, value, label = entry
    return Option(label=label, action=_as_action(action), slot=slot or None, value=value or None)


def _as_action(name: str) -> Action:
    return name  # type: ignore[return-value]


def build_keyboard(
    rows: Iterable[Iterable[Option]], step: int, refs: MutableMapping[str, list[str]]
) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply's option rows; None when there are no options."""
    keyboard = [[_button(option, step, refs) for option in row] for row in rows]
    keyboard = [row for row in keyboard if row]
    return InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None


def _button(
    option: Option, step: int, refs: MutableMapping[str, list[str]]
) -> InlineKeyboardButton:
    if option.action == "share":
        # Opens the chat picker, then inline mode there with the share query typed in.
        return InlineKeyboardButton(text=option.label, switch_inline_query=option.value or "")
    return InlineKeyboardButton(text=option.label, callback_data=pack_option(option, step, refs))


def link_keyboard(
    rows: Iterable[Iterable[Option]], username: str | None
) -> InlineKeyboardMarkup | None:
    """Buttons for a message posted through inline mode: "menu" options as deep links.

    Such a message lives in someone else's chat, where a callback button could only answer
    "expired"; a link to `/start <value>` in a private chat with the bot starts that flow.
    """
    if not username:
        return None
    keyboard = [
        [
            InlineKeyboardButton(
                text=option.label, url=create_deep_link(username, "start", option.value)
            )
            for option in row
            if option.action == "menu" and option.value
        ]
        for row in rows
    ]
    keyboard = [row for row in keyboard if row]
    return InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None


class FeedbackCallback(CallbackData, prefix="f"):
    """A 👍 / 👎 button under an answer or a pick: the vote ("u" or "d") and what it is about.

    `key` names the answer in the chat's data (see conversation.VOTES_KEY): 16 hex characters,
    so the button is 22 bytes of the 64 and carries no user id.
    """

    key: str
    vote: str


VOTE_UP, VOTE_DOWN = "u", "d"
_VOTE_BUTTONS = (("👍", VOTE_UP), ("👎", VOTE_DOWN))


def with_votes(markup: InlineKeyboardMarkup | None, key: str) -> InlineKeyboardMarkup:
    """`markup` with a last row of 👍 / 👎 buttons for the answer named `key`."""
    row = [
        InlineKeyboardButton(text=label, callback_data=FeedbackCallback(key=key, vote=v).pack())
        for label, v in _VOTE_BUTTONS
    ]
    rows = list(markup.inline_keyboard) if markup is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, row])


def without_votes(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """`markup` without its 👍 / 👎 buttons; None when nothing else is left."""
    if markup is None:
        return None
    prefix = f"{FeedbackCallback.__prefix__}{FeedbackCallback.__separator__}"
    rows = [
        [b for b in row if not (b.callback_data or "").startswith(prefix)]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
