"""The answers conversations (tests/conversations/answers.yaml) typed into Telegram."""

from __future__ import annotations

import re

import pytest
from support.conversations import typed_conversations

from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import BotHarness

pytestmark = pytest.mark.model

CASES = typed_conversations()
CHAT = 5151


@pytest.mark.parametrize(("name", "turns"), CASES, ids=[c[0] for c in CASES])
async def test_typed_questions_get_their_answers_in_telegram(
    name: str, turns: list[tuple[str, list[str]]], harness: BotHarness, bot_api: FakeBotAPI
) -> None:
    for text, says in turns:
        calls = await harness.turn(bot_api.send_text(CHAT, text))
        seen = "\n".join(
            plain(c.params["text"])
            for c in calls
            if c.method in ("sendMessage", "editMessageText") and c.ok
        )
        # Telegram cites a passage by its section's title, not by its id: ids are checked by
        # the engine's and the console's runs of the same conversations.
        for fragment in (f for f in says if not re.fullmatch(r"\[[\w.-]+\]", f)):
            assert fragment.lower() in seen.lower(), (text, seen)
