"""Keyboards, SQLite storage, the chart: the adapter's pieces on their own."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import MessageEntity
from PIL import Image

from bot.replies import DialogueState, Option
from bot.telegram.chart import render_chart
from bot.telegram.conversation import STATE_KEY, read_state
from bot.telegram.handlers.common import without_entity
from bot.telegram.keyboards import (
    CALLBACK_DATA_LIMIT,
    OptionCallback,
    RefCallback,
    build_keyboard,
    pack_option,
    unpack_option,
    unpack_ref,
)
from bot.telegram.storage import (
    SQLiteStorage,
    create_storage,
    forget_user,
    storage_url_problem,
    sweep_now,
)


def test_buttons_round_trip_within_64_bytes() -> None:
    refs: dict[str, list[str]] = {}
    option = Option("Python", "answer", slot="team_language", value="python")
    data = pack_option(option, 7, refs)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    parsed = OptionCallback.unpack(data)
    assert parsed.step == 7
    back = unpack_option(parsed)
    assert back is not None
    assert (back.action, back.slot, back.value) == ("answer", "team_language", "python")
    assert refs == {}


@pytest.mark.parametrize("value", ["x" * 80, "has:colon", "ü" * 40])
def test_long_or_odd_options_fall_back_to_a_remembered_reference(value: str) -> None:
    refs: dict[str, list[str]] = {}
    option = Option("Long", "passage", value=value)
    data = pack_option(option, 3, refs)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    back = unpack_ref(RefCallback.unpack(data), refs)
    assert back == Option("Long", "passage", value=value)


def test_forged_action_codes_and_forgotten_refs_are_rejected() -> None:
    assert unpack_option(OptionCallback(action="zz", slot="", value="", step=1)) is None
    assert unpack_ref(RefCallback(ref="deadbeef", step=1), {}) is None


def test_keyboard_rows_follow_the_options() -> None:
    rows = (
        (Option("A", "answer", "s", "a"), Option("B", "answer", "s", "b")),
        (Option("Skip", "skip"),),
    )
    markup = build_keyboard(rows, 1, {})
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["A", "B"], ["Skip"]]
    assert build_keyboard((), 1, {}) is None


async def test_sqlite_storage_round_trips_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    key = StorageKey(bot_id=1, chat_id=2, user_id=3)
    storage = SQLiteStorage(path)
    assert await storage.get_data(key) == {}
    assert await storage.get_state(key) is None
    await storage.set_data(key, {"dialogue": {"step": 4}, "ü": "ß"})
    await storage.set_state(key, "form")
    await storage.close()
    reopened = SQLiteStorage(path)
    assert await reopened.get_data(key) == {"dialogue": {"step": 4}, "ü": "ß"}
    assert await reopened.get_state(key) == "form"
    other = StorageKey(bot_id=1, chat_id=2, user_id=4)
    assert await reopened.get_data(other) == {}
    await reopened.close()


async def test_corrupt_rows_read_as_empty_and_corrupt_state_as_fresh(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    storage = SQLiteStorage(path)
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    await storage.set_data(key, {"x": 1})
    db = sqlite3.connect(path)
    db.execute("UPDATE fsm SET data = 'not json {'")
    db.commit()
    db.close()
    assert await storage.get_data(key) == {}
    await storage.close()
    assert read_state({STATE_KEY: {"mode": "flying", "step": "many"}}) == DialogueState()
    assert read_state({STATE_KEY: DialogueState(step=3).model_dump()}).step == 3


async def test_sqlite_rows_idle_past_the_ttl_are_swept(tmp_path: Path) -> None:
    now = [1_000_000.0]
    storage = SQLiteStorage(tmp_path / "s.sqlite3", timedelta(days=30), clock=lambda: now[0])
    old = StorageKey(bot_id=1, chat_id=2, user_id=2)
    fresh = StorageKey(bot_id=1, chat_id=3, user_id=3)
    await storage.set_data(old, {"dialogue": {}})
    now[0] += 20 * 86400
    await storage.set_data(fresh, {"dialogue": {}})
    now[0] += 11 * 86400  # `old` idle 31 days, `fresh` 11
    assert await sweep_now(storage) == 1
    assert await storage.get_data(old) == {} and await storage.get_data(fresh) != {}
    await storage.set_data(fresh, {"dialogue": {"step": 1}})  # a write renews it
    now[0] += 25 * 86400
    assert await sweep_now(storage) == 0
    await storage.close()


async def test_sqlite_rows_kept_in_memory_follow_every_write_and_delete(tmp_path: Path) -> None:
    now = [1_000_000.0]
    storage = SQLiteStorage(tmp_path / "s.sqlite3", timedelta(days=1), clock=lambda: now[0])
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    assert await storage.get_state(key) is None and await storage.get_data(key) == {}
    await storage.set_data(key, {"step": 1})
    await storage.set_state(key, "form")
    assert await storage.get_data(key) == {"step": 1} and await storage.get_state(key) == "form"
    await storage.set_state(key, None)
    assert await storage.get_data(key) == {"step": 1} and await storage.get_state(key) is None
    now[0] += 2 * 86400
    assert await sweep_now(storage) == 1
    assert await storage.get_data(key) == {}  # swept on disk, so gone from memory too
    await storage.set_data(key, {"step": 2})
    assert await storage.get_data(key) == {"step": 2}
    assert await forget_user(storage, 1, 2) == 1
    assert await storage.get_data(key) == {}
    await storage.close()
    reopened = SQLiteStorage(tmp_path / "s.sqlite3")
    assert await reopened.get_data(key) == {}
    await reopened.close()


async def test_a_database_from_before_expiry_gets_a_clock_that_starts_now(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE fsm (key TEXT PRIMARY KEY, state TEXT, data TEXT)")
    db.execute("INSERT INTO fsm VALUES ('fsm:1:2:2:default', NULL, '{\"x\": 1}')")
    db.commit()
    db.close()
    now = [5_000_000.0]
    storage = SQLiteStorage(path, timedelta(days=1), clock=lambda: now[0])
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    assert await storage.get_data(key) == {"x": 1}
    assert await sweep_now(storage) == 0
    now[0] += 2 * 86400
    assert await sweep_now(storage) == 1
    await storage.close()


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
async def test_forgetting_a_user_deletes_them_in_every_chat_and_no_one_else(
    kind: str, tmp_path: Path
) -> None:
    storage = SQLiteStorage(tmp_path / "s.sqlite3") if kind == "sqlite" else MemoryStorage()
    user, other = 55, 5
    mine = [
        StorageKey(bot_id=1, chat_id=user, user_id=user),  # private chat
        StorageKey(bot_id=1, chat_id=-100, user_id=user),  # a group
        StorageKey(bot_id=1, chat_id=-100, user_id=user, thread_id=7),  # a forum topic
    ]
    theirs = [
        StorageKey(bot_id=1, chat_id=-100, user_id=other),
        StorageKey(bot_id=1, chat_id=user, user_id=other),  # chat id equal to the user id
        StorageKey(bot_id=1, chat_id=-100, user_id=other, thread_id=user),  # topic id too
        StorageKey(bot_id=1, chat_id=-100, user_id=555),
        StorageKey(bot_id=2, chat_id=user, user_id=user),  # another bot's
    ]
    for key in mine + theirs:
        await storage.set_data(key, {"dialogue": {"step": 1}})
    assert await forget_user(storage, 1, user) == len(mine)
    for key in mine:
        assert await storage.get_data(key) == {}
    for key in theirs:
        assert await storage.get_data(key) != {}
    await storage.close()


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("", " is django good?", "is django good?"),
        ("😀 ", " hi", "😀 hi"),
        ("𝔥𝔢𝔶 ", " which one?", "𝔥𝔢𝔶 which one?"),  # mathematical letters: outside the BMP
        ("👍🏽👨‍👩‍👧 ok ", "", "👍🏽👨‍👩‍👧 ok"),  # a skin tone and a family (joined emoji)
        ("hi ", "  there", "hi there"),
        ("Привет 🚀 ", "\nкак дела", "Привет 🚀 как дела"),
    ],
)
def test_a_mention_is_cut_by_utf16_offsets(before: str, after: str, expected: str) -> None:
    text = f"{before}@advisor_bot{after}"
    # Telegram's offset and length count UTF-16 code units (an emoji is often two).
    offset = len(before.encode("utf-16-le")) // 2
    entity = MessageEntity(type="mention", offset=offset, length=len("@advisor_bot"))
    assert entity.extract_from(text) == "@advisor_bot"
    assert without_entity(text, entity) == expected


def test_storage_urls(tmp_path: Path) -> None:
    assert storage_url_problem(f"sqlite:///{tmp_path}/x.db") is None
    assert storage_url_problem("redis://localhost:6379/0") is None
    assert "not supported" in (storage_url_problem("postgres://x") or "")
    assert storage_url_problem("sqlite:///") is not None
    storage, _ = create_storage(f"sqlite:///{tmp_path}/nested/x.db")
    assert isinstance(storage, SQLiteStorage)
    assert storage.path == tmp_path / "nested" / "x.db"


def test_chart_is_a_png_with_one_bar_per_framework() -> None:
    png = render_chart({"Django": 5.0, "FastAPI": 3.5, "Spring Boot": -1.0})
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 800 and image.height > 100
    assert render_chart({}).startswith(b"\x89PNG")


# The chart's first two criterion colours (Okabe-Ito blue and orange).
BLUE, ORANGE = (0, 114, 178), (230, 159, 0)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _columns(pixels: np.ndarray, y: int, colour: tuple[int, int, int]) -> list[int]:
    """The x of every pixel of `colour` on row `y`."""
    return [int(x) for x in np.flatnonzero((pixels[y] == colour).all(axis=1))]


def _bar_rows(pixels: np.ndarray) -> list[int]:
    """A y inside each bar (and legend swatch): where a run of blue or orange rows starts."""
    coloured = [
        bool(((pixels[y] == BLUE).all(axis=1) | (pixels[y] == ORANGE).all(axis=1)).any())
        for y in range(len(pixels))
    ]
    return [y + 6 for y in range(len(pixels)) if coloured[y] and not (y and coloured[y - 1])]


def test_chart_bars_are_stacked_by_criterion_with_negatives_left_of_zero() -> None:
    png = render_chart(
        {"Quarkus": 11.5, "Spring Boot": 8.0},
        breakdown={
            "Quarkus": {"team skills": 9.0, "deployment": 2.5},
            "Spring Boot": {"team skills": 10.0, "deployment": -2.0},
        },
    )
    pixels = _pixels(png)
    first, second, *legend = _bar_rows(pixels)
    assert legend, "no legend swatches below the bars"
    # Quarkus: team skills then deployment, both right of zero.
    blue, orange = _columns(pixels, first, BLUE), _columns(pixels, first, ORANGE)
    assert blue and orange and max(blue) < min(orange)
    zero = min(blue)
    # Spring Boot: deployment's -2 ends where zero is, team skills' +10 starts there.
    blue, orange = _columns(pixels, second, BLUE), _columns(pixels, second, ORANGE)
    assert max(orange) < zero <= min(blue) + 2
    # Widths follow the points: +9 against +10 (within a pixel or two of rounding).
    assert abs(len(_columns(pixels, first, BLUE)) / len(blue) - 0.9) < 0.02


def test_a_long_name_never_reaches_its_bar() -> None:
    name = "An extremely long framework name that goes on and on and on"
    png = render_chart({"Go": 3.0, name: 2.0}, breakdown={"Go": {"a": 3.0}, name: {"a": 2.0}})
    pixels = _pixels(png)
    _, row, *_ = _bar_rows(pixels)
    bar = min(_columns(pixels, row, BLUE))
    # The name's dark pixels, left of the bar (the zero axis runs along the bar's left edge).
    dark = pixels[row - 14 : row + 14, : bar - 1].sum(axis=2) < 300
    text = np.flatnonzero(dark.any(axis=0))
    assert text.size, "the name was not drawn"
    assert text.max() < bar - 8


async def test_requests_retry_on_flood_control_and_server_errors_then_give_up() -> None:
    from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
    from aiogram.methods import GetUpdates, SendMessage

    from bot.telegram.middlewares import RetryRequestMiddleware

    method = SendMessage(chat_id=1, text="hi")
    failures: list[Exception] = [
        TelegramRetryAfter(method=method, message="flood", retry_after=0),
        TelegramServerError(method=method, message="oops"),
    ]
    attempts: list[object] = []

    async def make_request(bot: object, m: object) -> str:
        attempts.append(m)
        if failures:
            raise failures.pop(0)
        return "sent"

    retry = RetryRequestMiddleware(attempts=3, backoff=0.0)
    assert await retry(make_request, None, method) == "sent"  # type: ignore[arg-type]
    assert len(attempts) == 3

    # A wait longer than max_wait is not slept through: the error reaches the error handler.
    failures.append(TelegramRetryAfter(method=method, message="flood", retry_after=600))
    with pytest.raises(TelegramRetryAfter):
        await retry(make_request, None, method)  # type: ignore[arg-type]

    # getUpdates is never retried here: the dispatcher's polling loop has its own backoff.
    failures.append(TelegramServerError(method=method, message="oops"))
    with pytest.raises(TelegramServerError):
        await retry(make_request, None, GetUpdates())  # type: ignore[arg-type]


@pytest.mark.server
async def test_the_polling_health_server_answers_healthz() -> None:
    import socket

    import aiohttp

    from bot.telegram.webhook import start_health_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runner = await start_health_server("127.0.0.1", port)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200 and await response.text() == "ok"
    finally:
        await runner.cleanup()


@pytest.mark.subprocess
def test_aiogram_types_are_built_on_first_use_and_still_parse_everything() -> None:
    # A fresh interpreter: this one imported aiogram long ago.
    script = """
import bot.telegram
from aiogram.types import Sticker, Update
assert not Sticker.__pydantic_complete__, "aiogram built every schema at import"
update = Update.model_validate({"update_id": 1, "message": {
    "message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
    "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 1,
                "height": 1, "is_animated": False, "is_video": False}}})
assert update.message.sticker.file_id == "f"
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "self-check" not in done.stderr


def test_replies_that_fit_share_one_message_but_questions_charts_and_buttons_end_one() -> None:
    from bot.replies import Part, Reply
    from bot.telegram.conversation import _joined

    def item(kind: str, text: str, markup: object = None, scores: dict | None = None) -> tuple:
        return (Reply(kind, (Part("paragraph", text),), scores=scores or {}), [text], markup)  # type: ignore[arg-type]

    keyboard = object()
    joined = _joined([item("info", "Hi!"), item("question", "Which language?", keyboard)])
    assert [(texts, markup) for _, texts, markup in joined] == [
        (["Hi!\n\nWhich language?"], keyboard)
    ]
    apart = [
        item("info", "with buttons", keyboard),
        item("question", "asked", keyboard),
        item("info", "after a question"),
        item("chart", "a chart", scores={"django": 1.0}),
        item("info", "x" * 4000),
        item("info", "y" * 200),
    ]
    assert len(_joined(apart)) == len(apart)
