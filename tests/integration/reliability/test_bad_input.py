"""The bad-input corpus: hundreds of hostile or odd updates, no crash, every button answered."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.bot_process import answers, dialogue, pending_question, stored
from support.recording import RecordingEngine

from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import TEST_TOKEN, BotHarness

pytestmark = pytest.mark.model

CORPUS = Path(__file__).resolve().parents[2] / "data" / "bad_updates.yaml"
VICTIM, ATTACKER, BYSTANDER = 6661, 6660, 6662
GROUP, CHANNEL = -1006660, -1006669
SEED = 7
MENTION = "@advisor_test_bot "


def _person(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Mallory"}


def generate(api: FakeBotAPI, victim_question: int) -> list[dict[str, Any]]:
    """Every update of the corpus (without update ids), hand-written ones expanded."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    rng = random.Random(SEED)
    texts: list[str] = list(data["texts"])
    # Longer than Telegram allows (4096): only a forged update carries these.
    texts += ["x" * 5000, ("django vs spring " * 400)[:5000], "🚀" * 5000, "<b>" * 1700]
    texts += ["".join(rng.choice(string.printable) for _ in range(rng.randint(1, 300)))
              for _ in range(6)]  # fmt: skip
    updates: list[dict[str, Any]] = []
    for text in texts:
        mention = [{"type": "mention", "offset": 0, "length": len(MENTION) - 1}]
        updates.append({"message": api.user_message(ATTACKER, text)})
        updates.append(
            {
                "message": api.user_message(
                    GROUP,
                    MENTION + text,
                    user_id=ATTACKER,
                    chat_type="supergroup",
                    entities=mention,
                )
            }
        )
        updates.append(
            {"message": api.user_message(GROUP, text, user_id=BYSTANDER, chat_type="supergroup")}
        )
        updates.append({"edited_message": {**api.user_message(ATTACKER, text), "edit_date": 1}})
        post = api.user_message(CHANNEL, text, chat_type="channel")
        del post["from"]
        updates.append({"channel_post": {**post, "sender_chat": post["chat"]}})
        updates.append(
            {
                "message": api.user_message(
                    ATTACKER, None, photo=data["non_text"]["photo"]["photo"], caption=text
                )
            }
        )
    for fields in data["non_text"].values():
        updates.append({"message": api.user_message(ATTACKER, None, **fields)})
        bot_message = {"message_id": 1, "date": 0, "chat": {"id": GROUP, "type": "supergroup",
                       "title": "G"}, "from": api.me(), "text": "earlier"}  # fmt: skip
        updates.append({"message": api.user_message(
            GROUP, None, user_id=ATTACKER, chat_type="supergroup", reply_to_message=bot_message,
            **fields)})  # fmt: skip
    callbacks: list[str] = list(data["callbacks"])
    callbacks += ["".join(rng.choice(string.ascii_letters + ":_-0123456789") for _ in
                          range(rng.randint(1, 64))) for _ in range(20)]  # fmt: skip
    for n, callback in enumerate(callbacks):
        # On the victim's pending question, by the victim (forged data) and by someone else.
        updates.append(api.callback_update(VICTIM, victim_question, callback))
        updates.append(api.callback_update(VICTIM, victim_question, callback, user_id=ATTACKER))
        updates.append(api.callback_update(ATTACKER, 1, callback))
        query = {"id": f"inline-{n}", "from": _person(ATTACKER), "chat_instance": "i",
                 "inline_message_id": "AAAA", "data": callback}  # fmt: skip
        updates.append({"callback_query": query})
        stale = {"message_id": 999, "date": 0, "chat": {"id": ATTACKER, "type": "private",
                 "first_name": "M"}}  # fmt: skip
        query = {"id": f"stale-{n}", "from": _person(ATTACKER), "chat_instance": "s",
                 "message": stale, "data": callback}  # fmt: skip
        updates.append({"callback_query": query})
    updates += data["raw"]
    return [{k: v for k, v in u.items() if k != "update_id"} for u in updates]


async def test_the_bad_input_corpus_crashes_nothing_and_every_button_is_answered(
    bot_api: FakeBotAPI,
    recording: RecordingEngine,
    storage_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Zero unhandled exceptions, every callback answered, the victim's dialogue intact.

    On SQLite and on Redis. The rate limit is lifted: the corpus is one attacker's flood, and
    the limit would drop most of it before it reached the handlers under test
    (test_rate_limit covers the limit).
    """
    url = storage_url
    harness = BotHarness(bot_api, recording, url, rate_limit_messages=100_000)
    await harness.start()
    try:
        await harness.turn(bot_api.send_text(VICTIM, "/recommend"))
        question = pending_question(await stored(url, VICTIM))
        assert question is not None
        await harness.turn(bot_api.press(VICTIM, question["id"], answers(question)[0][0]))
        before = await stored(url, VICTIM)
        question = pending_question(before)
        assert question is not None

        corpus = generate(bot_api, question["id"])
        assert len(corpus) >= 200
        mark = len(bot_api.calls)
        with caplog.at_level(logging.INFO):
            ids = [await bot_api.push(update) for update in corpus]
            for update_id in ids:
                await asyncio.wait_for(harness.inflight.wait_handled(update_id), 300)
        print(f"bad-input corpus: {len(corpus)} updates")

        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, [r.getMessage() for r in errors[:5]]
        # The corpus's own lines: after other tests the log level may already be INFO, and
        # the victim's two turns above were logged too.
        lines = [re.match(r"update (\d+) \S+ chat=\S+ (\w+) in ", r.getMessage())
                 for r in caplog.records]  # fmt: skip
        flood = set(ids)
        logged = [(int(line[1]), line[2]) for line in lines if line and int(line[1]) in flood]
        assert sorted(u for u, _ in logged) == sorted(ids)  # each update once
        assert {outcome for _, outcome in logged} <= {"ok", "unhandled"}, logged
        # Every well-formed query (the schema-invalid one in `raw` cannot even be parsed).
        queries = [u["callback_query"]["id"] for u in corpus
                   if isinstance(u.get("callback_query", {}).get("id"), str)]  # fmt: skip
        assert [q for q in queries if q not in bot_api.answered] == []
        calls = bot_api.since(mark)
        sent = [c for c in calls if c.method in ("sendMessage", "sendPhoto")]
        assert all(c.ok for c in sent), [c.result for c in sent if not c.ok][:3]
        assert not any("parse entities" in str(c.result) for c in calls if not c.ok)
        shown = " ".join(plain(c.params.get("text", "")) for c in sent)
        assert "Traceback" not in shown and TEST_TOKEN not in shown

        # The victim's dialogue did not move, and its pending question takes the next answer.
        after = await stored(url, VICTIM)
        assert dialogue(after) == dialogue(before)
        question = pending_question(after)
        assert question is not None
        callback, slot, value = answers(question)[0]
        await harness.turn(bot_api.press(VICTIM, question["id"], callback))
        assert dialogue(await stored(url, VICTIM)).slots == {**dialogue(before).slots, slot: value}
    finally:
        await harness.stop()
