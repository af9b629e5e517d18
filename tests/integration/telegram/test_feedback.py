"""👍 / 👎 under answers, the declined questions counted, and `report` reading what was stored.

The real engine and model, the fake Bot API over loopback, on SQLite and on a real Redis; the
report runs as its own process against the running bot's storage, as an owner would run it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.telegram.handlers.feedback import THANKS
from bot.telegram.keyboards import FeedbackCallback
from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import BotHarness

pytestmark = pytest.mark.model

CHECKOUT = str(Path(__file__).resolve().parents[3])
# Ids that no count, date, hash or passage id of ours contains, so a scan can find them.
USER = 7319283
GROUP = -1007319284
ANSWERED = "is node good for cpu-heavy work?"
DECLINED = "Should we use Koa?"


def vote_buttons(message: dict[str, Any]) -> dict[str, str]:
    """The message's vote buttons: label -> callback_data."""
    markup = message.get("reply_markup") or {}
    return {
        button["text"]: button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if button.get("callback_data", "").startswith("f:")
    }


def stored_feedback(storage_url: str) -> list[str]:
    """Everything the feedback log holds, as text: every row, or every key, field and value."""
    if storage_url.startswith("sqlite"):
        path = storage_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as db:
            tables = [
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
                if name.startswith("feedback")
            ]
            return [repr(row) for t in tables for row in db.execute(f"SELECT * FROM {t}")]
    import redis

    client = redis.Redis.from_url(storage_url, decode_responses=True)
    try:
        out = []
        for key in client.scan_iter("feedback:*"):
            out += [f"{key} {field} {value}" for field, value in client.hgetall(key).items()]
        return out
    finally:
        client.close()


def report(storage_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot report ...` in its own process, reading `storage_url`."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": CHECKOUT,
        "STORAGE_URL": storage_url,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=CHECKOUT,
        timeout=60,
    )


async def test_votes_and_declines_are_logged_and_the_report_reads_them(
    bot_api: FakeBotAPI, engine: Any, storage_url: str
) -> None:
    harness = BotHarness(bot_api, engine, storage_url)
    await harness.start()
    try:
        # An answer carries 👍 / 👎 under it.
        calls = await harness.turn(bot_api.send_text(USER, ANSWERED))
        (sent,) = [c for c in calls if c.method == "sendMessage"]
        answer = bot_api.messages[(USER, sent.result["message_id"])]
        votes = vote_buttons(answer)
        assert set(votes) == {"👍", "👎"}
        assert FeedbackCallback.unpack(votes["👎"]).vote == "d"

        # 👎: a short thanks, and the message's buttons are removed.
        calls = await harness.turn(bot_api.press(USER, answer["message_id"], votes["👎"]))
        (answered,) = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answered.params.get("text") == THANKS
        (edit,) = [c for c in calls if c.method == "editMessageReplyMarkup"]
        assert int(edit.params["message_id"]) == answer["message_id"]
        assert not bot_api.messages[(USER, answer["message_id"])].get("reply_markup")
        assert not [c for c in calls if c.method == "sendMessage"]
        # A second press of the same (stale) button counts nothing more.
        again = await harness.turn(bot_api.press(USER, answer["message_id"], votes["👎"]))
        assert [c.params.get("text") for c in again if c.method == "answerCallbackQuery"] != [
            THANKS
        ]

        # Declines carry no vote buttons and are counted, in private and in a group.
        calls = await harness.turn(bot_api.send_text(USER, DECLINED))
        (decline,) = [c for c in calls if c.method == "sendMessage"]
        assert "doesn't cover Koa" in plain(decline.params["text"])
        assert not vote_buttons(bot_api.messages[(USER, decline.result["message_id"])])
        await harness.turn(bot_api.send_text(USER, "should we use koa"))
        mention = "@advisor_test_bot should we use KOA ?"
        await harness.turn(
            bot_api.send_text(
                GROUP,
                mention,
                user_id=USER,
                chat_type="supergroup",
                entities=[{"type": "mention", "offset": 0, "length": 17}],
            )
        )

        # The owner's report, from another process, while the bot runs.
        done = report(storage_url, "--json")
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert {"declined", "disliked", "topics"} <= set(data)
        assert data["declined"][0] == {"question": "should we use koa", "count": 3}
        (disliked,) = data["disliked"]
        assert disliked["question"] == "is node good for cpu-heavy work"
        assert disliked["count"] == 1
        assert disliked["passages"] and {"id", "section"} <= set(disliked["passages"][0])
        assert any("cpu" in p["id"] for p in disliked["passages"])
        topics = {t["topic"]: t["count"] for t in data["topics"]}
        assert topics.get("Where Each Wins > Node.js (Express, NestJS, Hono, Fastify)") == 1

        text = report(storage_url)
        assert text.returncode == 0, text.stderr
        assert "should we use koa" in text.stdout
        assert "is node good for cpu-heavy work" in text.stdout
        assert "Traceback" not in text.stderr

        # Nothing stored in the feedback log names the user or a chat.
        rows = stored_feedback(storage_url)
        assert rows
        for row in rows:
            for who in (str(USER), str(GROUP), str(abs(GROUP))):
                assert who not in row, row
    finally:
        await harness.stop()


async def test_feedback_log_off_stores_nothing_and_shows_no_vote_buttons(
    bot_api: FakeBotAPI, engine: Any, storage_url: str
) -> None:
    harness = BotHarness(bot_api, engine, storage_url, feedback_log=False)
    await harness.start()
    try:
        calls = await harness.turn(bot_api.send_text(USER, ANSWERED))
        (sent,) = [c for c in calls if c.method == "sendMessage"]
        assert not vote_buttons(bot_api.messages[(USER, sent.result["message_id"])])
        await harness.turn(bot_api.send_text(USER, DECLINED))
    finally:
        await harness.stop()
    assert stored_feedback(storage_url) == []
    done = report(storage_url)
    assert done.returncode == 0, done.stderr
    assert "nothing recorded yet" in done.stdout


async def test_a_pick_keeps_its_other_buttons_after_a_vote(
    bot_api: FakeBotAPI, engine: Any, storage_url: str
) -> None:
    harness = BotHarness(bot_api, engine, storage_url)
    await harness.start()
    try:
        text = "/recommend we're three Python devs building a content-heavy site"
        await harness.turn(bot_api.send_text(USER, text))
        pick = next(
            m
            for m in reversed(bot_api.bot_messages(USER))
            if plain(m.get("html") or "").startswith("Recommendation:")
        )
        votes = vote_buttons(pick)
        assert set(votes) == {"👍", "👎"}
        others = {b["text"] for row in pick["reply_markup"]["inline_keyboard"] for b in row} - set(
            votes
        )
        assert {"Change an answer", "Start over", "Score chart"} <= others

        calls = await harness.turn(bot_api.press(USER, pick["message_id"], votes["👍"]))
        assert [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"] == [
            THANKS
        ]
        left = bot_api.messages[(USER, pick["message_id"])]["reply_markup"]["inline_keyboard"]
        assert {b["text"] for row in left for b in row} == others
    finally:
        await harness.stop()
    done = report(storage_url, "--json")
    assert done.returncode == 0, done.stderr
    (liked,) = json.loads(done.stdout)["liked"]
    assert liked["topic"] == "Recommendation: Django" and liked["count"] == 1
    assert "team language: python" in liked["question"] and liked["passages"]
