"""Real conversations over real HTTP: the bot polls the fake Bot API, on SQLite and on Redis.

These run with the real engine and model once bot.dialogue provides build_engine, so they
navigate by the buttons' meaning (their decoded actions), not by exact wording.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.telegram import conversation
from bot.telegram.handlers.errors import SORRY
from devkit.fake_bot_api import Call, FakeBotAPI, plain
from devkit.harness import BotHarness, buttons, last_with_buttons

pytestmark = pytest.mark.model

CHAT = 4242


def shown(calls: list[Call]) -> list[str]:
    """What the user saw from these calls: sent and edited texts, as plain text."""
    return [
        plain(c.params["text"])
        for c in calls
        if c.method in ("sendMessage", "editMessageText") and c.ok
    ]


@pytest.fixture(autouse=True)
def no_error_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a test here sends, nothing logs an ERROR (a failed turn always does)."""
    with caplog.at_level(logging.INFO):
        yield
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, errors


def assert_clean(calls: list[Call]) -> None:
    """Every Bot API call succeeded and nobody was told something went wrong.

    The engine has no apology of its own: a failed turn raises, and the adapter's SORRY (with
    an ERROR in the log, see no_error_logged) is the only way a failure can reach the user.
    """
    failed = [(c.method, c.result) for c in calls if not c.ok]
    assert not failed, failed
    assert not any(SORRY in text for text in shown(calls))


def pick(message: dict[str, Any], *actions: str) -> tuple[str, str, str] | None:
    """The first button on `message` whose action is one of `actions`."""
    for action in actions:
        for button in buttons(message):
            if button[2] == action:
                return button
    return None


async def press(
    harness: BotHarness, api: FakeBotAPI, message: dict[str, Any], data: str
) -> list[Call]:
    """Press a button and check it was answered (no spinning button)."""
    calls = await harness.turn(api.press(CHAT, message["message_id"], data))
    assert any(c.method == "answerCallbackQuery" for c in calls), "the press was not answered"
    return calls


async def dialogue_until_pick(harness: BotHarness, api: FakeBotAPI) -> dict[str, Any]:
    """Press answer buttons on each question until the recommendation (chart button) shows."""
    for _ in range(15):
        message = last_with_buttons(api, CHAT)
        assert message is not None, "no question with buttons"
        if pick(message, "chart"):
            return message
        button = pick(message, "answer", "skip")
        assert button is not None, buttons(message)
        calls = await press(harness, api, message, button[1])
        assert_clean(calls)
        after = last_with_buttons(api, CHAT)
        assert after is not None
        if not pick(after, "chart"):
            # The next question replaced the one answered: edited in place.
            assert after["message_id"] == message["message_id"], "question not edited in place"
            assert any(c.method == "editMessageText" for c in calls)
    raise AssertionError("no recommendation after 15 answers")


async def test_start_shows_the_menu_and_commands_are_registered(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    calls = await harness.turn(bot_api.send_text(CHAT, "/start"))
    assert_clean(calls)
    menu = last_with_buttons(bot_api, CHAT)
    assert menu is not None
    assert len([b for b in buttons(menu) if b[2] == "menu"]) >= 3
    registered = {c["command"] for c in bot_api.commands}
    assert {"start", "recommend", "ask", "compare", "sources", "help", "cancel"} <= registered


async def test_a_quick_answer_is_one_message_without_typing(
    harness: BotHarness, bot_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slow answers show "typing…" (test_adapter); an hour is never reached here.
    monkeypatch.setattr(conversation, "TYPING_DELAY_SECONDS", 3600.0)
    calls = await harness.turn(bot_api.send_text(CHAT, "Is Django good for real-time apps?"))
    assert_clean(calls)
    assert [c.method for c in calls] == ["sendMessage"]
    assert any(text.strip() for text in shown(calls))


async def test_full_guided_dialogue_by_buttons_then_the_chart(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    assert_clean(await harness.turn(bot_api.send_text(CHAT, "/recommend")))
    recommendation = await dialogue_until_pick(harness, bot_api)
    chart = pick(recommendation, "chart")
    assert chart is not None
    calls = await press(harness, bot_api, recommendation, chart[1])
    assert_clean(calls)
    (photo,) = [c for c in calls if c.method == "sendPhoto"]
    assert photo.files["photo"].startswith(b"\x89PNG\r\n\x1a\n")
    # Start over from the recommendation begins a new dialogue.
    restart = pick(recommendation, "restart")
    assert restart is not None
    calls = await press(harness, bot_api, recommendation, restart[1])
    assert_clean(calls)
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None and pick(question, "answer")


async def test_the_decision_record_button_sends_the_record_as_a_markdown_file(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    text = "we're three Python devs building a content-heavy site, which backend?"
    assert_clean(await harness.turn(bot_api.send_text(CHAT, text)))
    recommendation = await dialogue_until_pick(harness, bot_api)
    record = pick(recommendation, "record")
    assert record is not None and record[0] == "Decision record"
    calls = await press(harness, bot_api, recommendation, record[1])
    assert_clean(calls)
    (document,) = [c for c in calls if c.method == "sendDocument"]
    content = document.files["document"].decode("utf-8")
    assert content.startswith("# Decision: Django\n")
    assert document.file_names["document"] == "decision-django.md"
    caption = plain(document.params["caption"])
    assert caption.strip() and "\n" not in caption and "Django" in caption
    # The words each answer came from were kept in the stored state (SQLite or Redis).
    assert '(from "content-heavy")' in content
    assert "## Sources" in content and "Knowledge version: " in content


async def test_a_digression_is_answered_and_the_form_continues(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    assert_clean(await harness.turn(bot_api.send_text(CHAT, "/recommend")))
    calls = await harness.turn(
        bot_api.send_text(CHAT, "What does the article say about Spring Boot?")
    )
    assert_clean(calls)
    assert shown(calls)
    await dialogue_until_pick(harness, bot_api)


async def test_a_correction_after_the_pick_changes_one_answer(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    assert_clean(await harness.turn(bot_api.send_text(CHAT, "/recommend")))
    recommendation = await dialogue_until_pick(harness, bot_api)
    change = pick(recommendation, "change")
    assert change is not None, buttons(recommendation)
    assert_clean(await press(harness, bot_api, recommendation, change[1]))
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None
    if not pick(question, "answer"):
        # "Change an answer" may first list the answers to change.
        choice = pick(question, "change")
        assert choice is not None, buttons(question)
        assert_clean(await press(harness, bot_api, question, choice[1]))
        question = last_with_buttons(bot_api, CHAT)
    assert question is not None and pick(question, "answer"), "the answer is not asked again"
    await dialogue_until_pick(harness, bot_api)


async def test_forged_buttons_expire_and_show_the_current_question(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    assert_clean(await harness.turn(bot_api.send_text(CHAT, "/recommend")))
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None
    for forged in ("o:zz:team_language:cobol:0", "nonsense", "r:ffffffffffff:1"):
        calls = await harness.turn(bot_api.press(CHAT, question["message_id"], forged))
        assert_clean(calls)
        (answer,) = [c for c in calls if c.method == "answerCallbackQuery"]
        assert "expired" in (answer.params.get("text") or "").lower()
        assert any("expired" in text.lower() for text in shown(calls))
        question = last_with_buttons(bot_api, CHAT)
        assert question is not None and pick(question, "answer"), "current question not shown"
    await dialogue_until_pick(harness, bot_api)


async def test_a_sticker_gets_a_hint_and_the_form_continues(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    assert_clean(await harness.turn(bot_api.send_text(CHAT, "/recommend")))
    calls = await harness.turn(bot_api.send_sticker(CHAT))
    assert_clean(calls)
    assert any("only read text" in text for text in shown(calls))
    await dialogue_until_pick(harness, bot_api)


async def test_a_5000_character_message_is_handled_and_replies_fit(
    harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    calls = await harness.turn(bot_api.send_text(CHAT, ("why is django good " * 300)[:5000]))
    assert_clean(calls)  # the fake server refuses texts over 4096 characters, like Telegram
    assert shown(calls)


async def test_html_looking_text_is_escaped(harness: BotHarness, bot_api: FakeBotAPI) -> None:
    text = "Is <b>Django</b> & <script>alert(1)</script> <i>fast</i>?"
    calls = await harness.turn(bot_api.send_text(CHAT, text))
    assert_clean(calls)  # the fake server parses HTML like Telegram and rejects bad markup
    assert shown(calls)
