"""Inline mode, deep links and the Share button over the fake Bot API, on SQLite and Redis.

Real inline_query updates go through long polling to the real engine and model; the test
reads what the bot sent with answerInlineQuery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.telegram.handlers.inline import CACHE_SECONDS
from devkit.fake_bot_api import Call, FakeBotAPI, plain
from devkit.harness import BotHarness, buttons, last_with_buttons

pytestmark = pytest.mark.model

USER = 3131
OTHER = 3232


@pytest.fixture(autouse=True)
def no_error_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Nothing here may log an ERROR (a failed update always does)."""
    with caplog.at_level(logging.INFO):
        yield
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, errors


def answered(calls: list[Call]) -> dict[str, Any]:
    """The one successful answerInlineQuery among `calls`."""
    (call,) = [c for c in calls if c.method == "answerInlineQuery"]
    assert call.ok, call.result
    return call.params


def shown(calls: list[Call]) -> str:
    """What the user saw from these calls, as plain text."""
    return "\n".join(
        plain(c.params["text"])
        for c in calls
        if c.method in ("sendMessage", "editMessageText") and c.ok
    )


def assert_card(answer: dict[str, Any], api: FakeBotAPI) -> None:
    """The bot's card: one article that says what the bot does, with the deep-link button."""
    (card,) = answer["results"]
    assert card["type"] == "article" and card["title"] and card["description"]
    assert "choose a backend framework" in card["input_message_content"]["message_text"]
    (row,) = card["reply_markup"]["inline_keyboard"]
    assert row == [
        {"text": "Get a recommendation", "url": f"https://t.me/{api.username}?start=recommend"}
    ]
    assert answer["button"] == {"text": "Get a recommendation", "start_parameter": "recommend"}
    assert answer["cache_time"] == CACHE_SECONDS


async def test_an_inline_question_gets_up_to_five_cited_articles(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    calls = await harness.turn(bot_api.inline_query(USER, "is node good for cpu-heavy work?"))
    answer = answered(calls)
    results = answer["results"]
    assert 1 <= len(results) <= 5
    assert answer["cache_time"] == CACHE_SECONDS > 0
    assert "button" not in answer
    # The first title is the answer line; each posts its passage with the section it cites.
    assert results[0]["title"] == (
        "No: the article lists CPU-heavy work among Node.js's watch-outs."
    )
    for result in results:
        assert result["type"] == "article"
        assert result["title"] and result["description"]
        assert len(result["description"]) <= 100
        text = plain(result["input_message_content"]["message_text"])
        assert "— [" in text, text  # the citation under the quoted passage
    first = plain(results[0]["input_message_content"]["message_text"])
    assert "CPU-heavy work" in first and "Watch out for" in first
    # The query went through polling: inline_query is among the update types asked for.
    (poll, *_) = [c for c in bot_api.calls if c.method == "getUpdates"]
    assert "inline_query" in poll.params["allowed_updates"]


async def test_empty_and_out_of_scope_queries_get_the_card(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    for query in ("", "   ", "what's the weather in Paris tomorrow?", "should we use Koa?"):
        calls = await harness.turn(bot_api.inline_query(USER, query))
        assert_card(answered(calls), bot_api)


async def test_deep_links_start_their_flow_and_unknown_ones_are_plain_start(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    plain_start = shown(await harness.turn(bot_api.send_text(USER, "/start")))
    assert "What would you like to do?" in plain_start

    calls = await harness.turn(bot_api.send_text(USER, "/start recommend"))
    assert "What language does your team know best?" in shown(calls)
    question = last_with_buttons(bot_api, USER)
    assert question is not None and any(b[2] == "answer" for b in buttons(question))

    calls = await harness.turn(bot_api.send_text(USER, "/start ask"))
    assert "Send me your question" in shown(calls)

    calls = await harness.turn(bot_api.send_text(USER, "/start compare-django-spring-boot"))
    assert "Django vs Spring Boot" in shown(calls)
    calls = await harness.turn(bot_api.send_text(USER, "/start compare-node-fastapi"))
    assert "Node.js vs FastAPI" in shown(calls)

    for unknown in ("nonsense", "compare-django-cobol", "compare-django-django", "recommend_x"):
        calls = await harness.turn(bot_api.send_text(USER, f"/start {unknown}"))
        assert shown(calls) == plain_start, unknown


def share_button(message: dict[str, Any]) -> dict[str, Any] | None:
    """The Share button of a bot message, if it has one."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if "switch_inline_query" in button:
                return dict(button)
    return None


async def pick_by_buttons(harness: BotHarness, api: FakeBotAPI, text: str) -> dict[str, Any]:
    """Describe the team, then press the first answer on each question until the pick."""
    await harness.turn(api.send_text(USER, text))
    for _ in range(15):
        message = last_with_buttons(api, USER)
        assert message is not None
        if share_button(message):
            return message
        data = next(d for _, d, action in buttons(message) if action == "answer")
        await harness.turn(api.press(USER, message["message_id"], data))
    raise AssertionError("no recommendation after 15 answers")


async def test_the_share_button_posts_the_pick_through_inline_mode(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    pick = await pick_by_buttons(
        harness, bot_api, "we're three Python devs building a content-heavy site"
    )
    heading = pick["text"].splitlines()[0]
    assert heading.startswith("Recommendation: ")
    button = share_button(pick)
    assert button is not None and button["text"] == "Share"
    query = button["switch_inline_query"]
    assert query.startswith("pick: ") and len(query) <= 256

    # Telegram puts "@bot <query>" in the chat the user picks; the bot answers the query.
    answer = answered(await harness.turn(bot_api.inline_query(USER, query, "group")))
    (result,) = answer["results"]
    assert result["title"] == heading
    posted = plain(result["input_message_content"]["message_text"])
    assert posted.startswith(heading) and "Why:" in posted and "Runner-up:" in posted
    assert "— [" not in posted and "[" in posted  # reasons cite their sections
    assert "Based on: Team language: Python" in posted
    (row,) = result["reply_markup"]["inline_keyboard"]
    assert row[0]["url"] == f"https://t.me/{bot_api.username}?start=recommend"

    # The query carries the answers: the pick survives /forget and reads the same for anyone.
    await harness.turn(bot_api.send_text(USER, "/forget"))
    again = answered(await harness.turn(bot_api.inline_query(OTHER, query)))
    assert again["results"] == answer["results"]
    # A forged or mistyped share query is just a question (here: out of scope, the card).
    card = answered(await harness.turn(bot_api.inline_query(USER, "pick: cobol mainframe")))
    assert_card(card, bot_api)


async def test_a_users_queries_are_debounced_and_only_the_newest_answered(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    mark = len(bot_api.calls)
    typed = ["is dj", "is django go", "is django good for content sites?"]
    updates = [bot_api.inline_update(USER, q) for q in typed]
    updates.append(bot_api.inline_update(OTHER, "is spring boot good for enterprises?"))
    ids = await bot_api.push_many(updates)
    await asyncio.gather(*(harness.inflight.wait_handled(i) for i in ids))
    answers = [c for c in bot_api.calls[mark:] if c.method == "answerInlineQuery"]
    answered_ids = {c.params["inline_query_id"] for c in answers}
    newest, other = updates[2]["inline_query"]["id"], updates[3]["inline_query"]["id"]
    assert answered_ids == {newest, other}
    assert all(c.ok and c.params["results"] for c in answers)
