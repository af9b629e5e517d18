"""Follow-ups through the Telegram adapter: tests/conversations/followups.yaml on SQLite and
Redis, a group chat, and a follow-up after kill -9 that still resolves against the stored
subject."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.bot_process import BotProcess, dialogue, start_polling, stored
from support.conversations import check_state

from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import BotHarness, buttons, last_with_buttons

pytestmark = pytest.mark.model

CHAT = 5151
GROUP = -100_5151
MEMBER = 777
PASSAGE_ID = re.compile(r"^\[[\w.-]+\]$")
CASES = Path(__file__).resolve().parents[2] / "conversations" / "followups.yaml"


def _cases() -> list[dict[str, Any]]:
    return yaml.safe_load(CASES.read_text())["conversations"]  # type: ignore[no-any-return]


def _texts(calls: list[Any]) -> str:
    return "\n".join(
        plain(c.params["text"])
        for c in calls
        if c.method in ("sendMessage", "editMessageText") and c.ok
    )


async def _finish(harness: BotHarness, api: FakeBotAPI) -> str:
    """Press Skip until the recommendation shows (its chart button); what was shown."""
    said = []
    for _ in range(10):
        message = last_with_buttons(api, CHAT)
        assert message is not None
        if any(action == "chart" for _, _, action in buttons(message)):
            break
        skip = next(data for _, data, action in buttons(message) if action == "skip")
        said.append(_texts(await harness.turn(api.press(CHAT, message["message_id"], skip))))
    return "\n".join(said)


@pytest.mark.parametrize("case", _cases(), ids=[c["name"] for c in _cases()])
async def test_followups_yaml_through_telegram(
    case: dict[str, Any], harness: BotHarness, bot_api: FakeBotAPI, storage_url: str
) -> None:
    for n, turn in enumerate(case["turns"], 1):
        if turn.get("finish"):
            text = await _finish(harness, bot_api)
        else:
            line = turn.get("user") or f"/{turn['command']} {turn.get('text', '')}".strip()
            text = _texts(await harness.turn(bot_api.send_text(CHAT, line)))
        expect = turn.get("expect", {})
        state = dialogue(await stored(storage_url, CHAT))
        where = f"{case['name']}, turn {n}: {turn}\n{state.model_dump()}\n{text}"
        # Telegram cites a passage by its section, not its id: the engine's run checks ids.
        for fragment in [f for f in expect.get("says", []) if not PASSAGE_ID.match(f)]:
            assert fragment.lower() in text.lower(), where
        check_state(state, expect, where)


async def test_a_follow_up_in_a_group_is_read_against_that_group(
    harness: BotHarness, bot_api: FakeBotAPI, storage_url: str
) -> None:
    def group(text: str, **kw: Any) -> Any:
        return bot_api.send_text(GROUP, text, user_id=MEMBER, chat_type="supergroup", **kw)

    await harness.turn(group("/ask is django good for realtime chat?"))
    reply_to = bot_api.bot_messages(GROUP)[-1]
    calls = await harness.turn(group("and what about node?", reply_to_message=reply_to))
    assert "Excellent for I/O-bound APIs, real-time apps" in _texts(calls)
    # The private chat has a subject of its own: none.
    calls = await harness.turn(bot_api.send_text(CHAT, "and what about node?"))
    assert "Excellent for I/O-bound APIs, real-time apps" not in _texts(calls)


async def test_a_follow_up_after_kill_9_resolves_against_the_stored_subject(
    bot_api: FakeBotAPI, storage_url: str
) -> None:
    started: list[BotProcess] = []
    try:
        first = await start_polling(bot_api, storage_url)
        started.append(first)
        asked = await bot_api.send_text(CHAT, "is django good for content-heavy sites?")
        await first.handled(asked)
        # Telegram would re-deliver an unconfirmed update: wait until this one is confirmed.
        await bot_api.wait_for(
            lambda c: c.method == "getUpdates" and int(c.params.get("offset") or 0) > asked
        )
        assert dialogue(await stored(storage_url, CHAT)).subject.frameworks == ["django"]
        first.proc.kill()  # SIGKILL: no clean stop
        first.proc.wait(timeout=60)

        second = await start_polling(bot_api, storage_url)
        started.append(second)
        mark = len(bot_api.calls)
        await second.handled(await bot_api.send_text(CHAT, "is it hard to hire for?"))
        text = _texts(bot_api.since(mark, "sendMessage", "editMessageText"))
        assert "Django hiring: Large" in text, text
        subject = dialogue(await stored(storage_url, CHAT)).subject
        assert subject.question == "is Django hard to hire for?"
    finally:
        for process in started:
            process.stop()
