"""kill -9 mid-dialogue, restart on the same storage: every chat goes on where it was."""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from typing import Any

import pytest
from support.bot_process import (
    BotProcess,
    answers,
    dialogue,
    pending_question,
    start_polling,
    stored,
)

from devkit.fake_bot_api import FakeBotAPI, plain

pytestmark = pytest.mark.model

# Chats per process lifetime; each is at its own random step when the process is killed.
CHATS_PER_KILL = 10
FIRST_CHAT = 41_000


async def open_form(api: FakeBotAPI, process: BotProcess, url: str, chat: int) -> dict[str, Any]:
    """The chat's stored data with a pending question, starting a new form when needed."""
    data = await stored(url, chat)
    if pending_question(data) is None:
        await process.handled(await api.send_text(chat, "/recommend"))
        data = await stored(url, chat)
    assert pending_question(data) is not None, data
    return data


async def press(api: FakeBotAPI, chat: int, data: dict[str, Any], rng: random.Random) -> tuple:
    """Press a random answer on the chat's pending question; (update id, slot, value)."""
    question = pending_question(data)
    assert question is not None
    callback, slot, value = rng.choice(answers(question))
    return await api.press(chat, question["id"], callback), slot, value


async def crash_trials(
    api: FakeBotAPI, url: str, trials: int, processes: list[BotProcess], seed: int
) -> int:
    """Run `trials` (chat, kill) trials; return how many passed (every failure asserts)."""
    rng = random.Random(seed)
    chats = [FIRST_CHAT + i for i in range(min(CHATS_PER_KILL, trials))]
    process = await start_polling(api, url)
    processes.append(process)
    passed = 0
    for _ in range(math.ceil(trials / len(chats))):
        before: dict[int, dict[str, str]] = {}
        in_flight: dict[int, tuple[str, str]] = {}
        for chat in chats:
            # A random step: 0-2 answers fully handled, then maybe one left in flight.
            data = await open_form(api, process, url, chat)
            for _ in range(rng.randint(0, 2)):
                update_id, _, _ = await press(api, chat, data, rng)
                await process.handled(update_id)
                data = await open_form(api, process, url, chat)
            before[chat] = dict(dialogue(data).slots)
            if rng.random() < 0.5:
                _, slot, value = await press(api, chat, data, rng)
                in_flight[chat] = (slot, value)
        # The kill lands anywhere in the in-flight work: fetching, the engine, a send, the save.
        await asyncio.sleep(rng.uniform(0.0, 0.3))
        process.kill()
        # Updates fetched but not confirmed yet: Telegram hands them to the next process.
        redelivered = [u["update_id"] for u in api._pending]

        process = await start_polling(api, url)
        processes.append(process)
        for update_id in redelivered:
            await process.handled(update_id)
        for chat in chats:
            data = await stored(url, chat)
            state = dialogue(data)
            allowed = [before[chat]]
            if chat in in_flight:
                slot, value = in_flight[chat]
                allowed.append({**before[chat], slot: value})
            assert state.slots in allowed, (chat, state.slots, allowed)
            if pending_question(data) is None:
                # Only the in-flight answer can have finished the form.
                assert state.mode == "done" and chat in in_flight, (chat, data)
                passed += 1
                continue
            mark = len(api.calls)
            update_id, slot, value = await press(api, chat, data, rng)
            await process.handled(update_id)
            after = dialogue(await stored(url, chat))
            assert after.slots == {**state.slots, slot: value}, (chat, state, after)
            replies = [
                c
                for c in api.since(mark, "sendMessage", "editMessageText", "answerCallbackQuery")
                if c.method == "answerCallbackQuery" or int(c.params.get("chat_id", 0)) == chat
            ]
            # "Not modified": the killed process had already edited the question into
            # exactly this answer's next question, which is then left as it is.
            assert all(c.ok or "not modified" in str(c.result) for c in replies), replies
            assert any(c.method == "answerCallbackQuery" for c in replies)
            texts = [plain(c.params["text"]) for c in replies if "text" in c.params]
            assert texts and not any("expired" in t.lower() for t in texts), texts
            passed += 1
    assert "Traceback" not in "\n".join(p.log() for p in processes)
    return passed


async def test_killed_mid_dialogue_every_chat_continues_at_the_same_question(
    bot_api: FakeBotAPI, storage_url: str, processes: list[BotProcess], trials: int
) -> None:
    """One trial = one chat at its own random step through one SIGKILL and restart.

    Ten chats share each process lifetime, so 20 trials cost two kills and three starts per
    storage. A chat's answer in flight at the kill may be lost (the stored state then has the
    answers before it) or kept; either way the question the stored state says is pending
    takes the next press, with every earlier answer intact.
    """
    seed = int(os.environ.get("SOAK_SEED") or time.time_ns() % 1_000_000)
    print(f"crash trials: seed={seed} trials={trials} storage={storage_url.split(':')[0]}")
    started = time.monotonic()
    passed = await crash_trials(bot_api, storage_url, trials, processes, seed)
    print(
        f"crash trials: {passed}/{trials} passed on {storage_url.split(':')[0]} "
        f"in {time.monotonic() - started:.0f} s (seed {seed})"
    )
    assert passed >= trials
