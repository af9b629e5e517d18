"""kill -9 at the worst moments, restart on the same storage: no update lost, none applied twice.

Each round starts `python -m bot run`, brings each chat to its own random step of the form,
then puts one update in flight per chat, all in one getUpdates batch: a question (free text,
through the model), a button press, or a form answer (the option typed as text), in turn.
The round's mode decides the moment of the SIGKILL:

- confirm: the instant a getUpdates call first confirms one of the round's updates (Telegram
  has forgotten those by then). The first update's replies are held back, so that call
  confirms all of them at once;
- fetched: 0-10 ms after the getUpdates that hands the round's updates out;
- handler: at the first or second Bot API call of one chat's handling (on arrival), or at a
  random time up to 150 ms after the fetch.

Each chat is one trial, classified by where its own update was at the kill: at its
confirmation, a few ms after its fetch, in its handling (the last two not counted: not fetched
yet, or confirmed before). After the restart every update Telegram still holds is handled (or
skipped as a replay), and each chat is checked against the engine run once, in this process,
on the state the chat had before:

- lost: the update's effect is missing from the stored state, or it got no reply at all;
- double-applied: the state shows it twice, a replay of an update already recorded as applied
  was handled again, or a replayed press was refused as "expired";
- duplicate replies: the same text sent twice to the chat (a kill between sending and saving
  re-runs the turn): counted and reported, not a failure.

`make test` runs each mode once per storage with eight chats (at least 20 counted trials);
SOAK_TRIALS=n runs rounds of ten chats until n (`make soak`: 200). SOAK_SEED replays a run.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
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

from bot.replies import DialogueState, Turn
from bot.telegram.keyboards import OptionCallback, unpack_option
from bot.telegram.replay import applied
from devkit.fake_bot_api import Call, FakeBotAPI, plain

pytestmark = pytest.mark.model

FIRST_CHAT = 41_000
MODES = ("confirm", "fetched", "handler")
KINDS = ("question", "button", "form answer")
# Questions for the form's digressions (each checked against the engine before use).
QUESTIONS = (
    "What does the article say about Spring Boot?",
    "Is Django good for real-time apps?",
    "does django have an admin?",
    "What is underrated about Spring Boot?",
)
REPLY_METHODS = ("sendMessage", "editMessageText", "sendPhoto")
# "A few ms after its fetch": the kill is scheduled 0-10 ms after; this allows for the loop.
FEW_MS = 0.015
# In a "confirm" round, how long the first update's replies are held back by the server.
SLOW_FIRST = 0.5
# Where an update was when the bot died; the last two are not counted as trials.
MOMENTS = ("at its confirmation", "ms after its fetch", "in its handling", "not fetched yet")


@dataclass
class Trial:
    """One chat's update in flight at a kill, and what applying it once must give."""

    chat: int
    kind: str
    turn: Turn
    before: DialogueState
    expected: DialogueState
    update: dict[str, Any] = field(default_factory=dict)
    mark: int = 0
    update_id: int = 0
    query_id: str | None = None


@dataclass
class Tally:
    """What the rounds found, for the closing line and the README."""

    trials: Counter[tuple[str, str]] = field(default_factory=Counter)
    redelivered: int = 0
    replays_skipped: int = 0
    lost: list[str] = field(default_factory=list)
    double_applied: list[str] = field(default_factory=list)
    duplicate_replies: int = 0

    @property
    def counted(self) -> int:
        return sum(n for (moment, _), n in self.trials.items() if moment in MOMENTS[:3])

    def lines(self, storage: str) -> list[str]:
        lines = [
            f"crash trials on {storage}: {self.counted} trials; lost {len(self.lost)}, "
            f"double-applied {len(self.double_applied)}, duplicate replies "
            f"{self.duplicate_replies}; redelivered {self.redelivered}, skipped as replays "
            f"{self.replays_skipped}"
        ]
        for moment in (*MOMENTS, "confirmed before the kill"):
            row = [f"{kind} {self.trials[moment, kind]}" for kind in KINDS]
            lines.append(f"  killed {moment}: {', '.join(row)}")
        return lines


class Killer:
    """Watches the fake Bot API, SIGKILLs the bot at the round's moment, notes what it saw."""

    def __init__(
        self,
        api: FakeBotAPI,
        process: BotProcess,
        trials: list[Trial],
        mode: str,
        rng: random.Random,
    ) -> None:
        self.api = api
        self.process = process
        self.trials = trials
        self.mode = mode
        self.ids: set[int] = set()  # known once the round's updates are queued
        self.scheduled = False
        self.fired_at = 0.0
        self.fetched_at: dict[int, float] = {}
        self.unconfirmed_at_kill: set[int] = set()
        self.confirmed_by_kill: set[int] = set()
        # "handler": at this call of this chat's handling (answerCallbackQuery included), or
        # (at_call 0) at a random time after the fetch.
        self.chat = rng.choice(trials)
        self.at_call = rng.choice((0, 1, 2)) if mode == "handler" else 0
        self.calls = 0
        self.delay = rng.uniform(0, 0.010) if mode == "fetched" else rng.uniform(0, 0.15)

    def arm(self, ids: list[int]) -> None:
        """The round's updates are queued with these ids."""
        self.ids = set(ids)
        self._schedule()

    def fire(self, offset: int = 0) -> None:
        if self.fired_at or self.process.proc.poll() is not None:
            return
        os.kill(self.process.proc.pid, signal.SIGKILL)
        self.fired_at = time.monotonic()
        self.unconfirmed_at_kill = set(self.api.unconfirmed)
        self.confirmed_by_kill = {u for u in self.unconfirmed_at_kill if u < offset}

    def _schedule(self) -> None:
        """For the timed modes: the kill, `delay` after the first of the round is fetched."""
        timed = self.mode == "fetched" or (self.mode == "handler" and not self.at_call)
        if self.scheduled or not timed or not self.ids:
            return
        times = [self.fetched_at[u] for u in self.ids if u in self.fetched_at]
        if times:
            self.scheduled = True
            delay = max(0.0, min(times) + self.delay - time.monotonic())
            asyncio.get_running_loop().call_later(delay, self.fire)

    def _is_chats(self, call: Call) -> bool:
        if call.method == "answerCallbackQuery":
            return call.params.get("callback_query_id") == self.chat.query_id
        return int(call.params.get("chat_id") or 0) == self.chat.chat

    def __call__(self, call: Call, phase: str) -> None:
        if self.fired_at:
            return
        if phase == "result" and call.method == "getUpdates":
            now = time.monotonic()
            for update in call.result or []:
                self.fetched_at.setdefault(update["update_id"], now)
            self._schedule()
        elif phase == "request" and call.method == "getUpdates":
            # "confirm": the first call that confirms any of the round's updates. Armed in the
            # other modes too, for a round whose moment never comes: then as late as possible.
            offset = int(call.params.get("offset") or 0)
            last = max(self.ids) if self.mode != "confirm" else min(self.ids)
            if self.ids and offset > last:
                self.fire(offset)
        elif phase == "request" and self.at_call and self._is_chats(call):
            self.calls += 1
            if self.calls == self.at_call:
                self.fire()

    def moment(self, trial: Trial) -> str:
        """Where `trial`'s update was when the bot died."""
        if trial.update_id in self.confirmed_by_kill:
            return MOMENTS[0]
        if trial.update_id not in self.unconfirmed_at_kill:
            return "confirmed before the kill"
        fetched = self.fetched_at.get(trial.update_id)
        if fetched is None:
            return MOMENTS[3]
        return MOMENTS[1] if self.fired_at - fetched <= FEW_MS else MOMENTS[2]


def _buttons(question: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The answer buttons of a stored question: (label, callback_data, slot, value)."""
    labels = {
        b.get("callback_data"): b["text"]
        for row in question["markup"]["inline_keyboard"]
        for b in row
    }
    return [(labels[data], data, slot, value) for data, slot, value in answers(question)]


async def open_form(api: FakeBotAPI, process: BotProcess, url: str, chat: int) -> dict[str, Any]:
    """The chat's stored data with a pending question, starting a new form when needed."""
    data = await stored(url, chat)
    if pending_question(data) is None:
        await process.handled(await api.send_text(chat, "/recommend"))
        data = await stored(url, chat)
    assert pending_question(data) is not None, data
    return data


def plan(
    api: FakeBotAPI, engine: Any, chat: int, kind: str, data: dict[str, Any], rng: random.Random
) -> Trial:
    """The chat's update of `kind` on its current state, and the state applying it once gives."""
    before = dialogue(data)
    question = pending_question(data)
    assert question is not None
    label, callback, _, _ = rng.choice(_buttons(question))
    if kind == "question":
        # One that leaves the form where it is, so lost and double-applied answers show (it
        # changes only what the conversation is about, the subject a follow-up reads).
        for text in rng.sample(QUESTIONS, len(QUESTIONS)):
            turn = Turn(text=text)
            expected, _ = engine.handle(before, turn)
            if expected.model_copy(update={"subject": before.subject}) == before:
                break
        else:
            raise AssertionError(f"every question moves the form at {before}")
    else:
        if kind == "form answer":
            turn = Turn(text=label)
        else:
            packed = OptionCallback.unpack(callback)
            turn = Turn(option=unpack_option(packed), step=packed.step)
        expected, _ = engine.handle(before, turn)
        assert expected.step == before.step + 1, (turn, before, expected)
    trial = Trial(chat, kind, turn, before, expected)
    if kind == "button":
        update = api.callback_update(chat, question["id"], callback)
        trial.query_id = update["callback_query"]["id"]
        trial.update = {k: v for k, v in update.items() if k != "update_id"}
    else:
        trial.update = {"message": api.user_message(chat, turn.text)}
    return trial


def outcomes(process: BotProcess) -> dict[int, str]:
    """Each update's outcome from the process's log lines ("ok", "replayed", ...)."""
    found = {}
    for line in process.lines:
        match = re.search(r" update (\d+) \S+ chat=\S+ (\w+) in ", line)
        if match:
            found[int(match[1])] = match[2]
    return found


def check(api: FakeBotAPI, trial: Trial, data: dict[str, Any], tally: Tally, rerun: bool) -> None:
    """Record lost, double-applied and duplicate replies for one trial (after the restart)."""
    state = dialogue(data)
    name = f"chat {trial.chat} {trial.kind} update {trial.update_id}"
    calls = [
        c
        for c in api.since(trial.mark, *REPLY_METHODS)
        if c.ok and int(c.params.get("chat_id") or 0) == trial.chat
    ]
    texts = [plain(c.params.get("text") or c.params.get("caption") or "") for c in calls]
    if state != trial.expected:
        bucket = tally.lost if state == trial.before else tally.double_applied
        bucket.append(f"{name}: state {state} != {trial.expected}")
    if not calls:
        tally.lost.append(f"{name}: no reply")
    if trial.query_id is not None and trial.query_id not in api.answered:
        tally.lost.append(f"{name}: the press was never answered")
    if any("expired" in t.lower() for t in texts):
        tally.double_applied.append(f"{name}: a replay was refused as expired: {texts}")
    if rerun:
        tally.double_applied.append(f"{name}: recorded as applied, then handled again")
    sent = Counter(t for c, t in zip(calls, texts, strict=True) if c.method == "sendMessage")
    tally.duplicate_replies += sum(n - 1 for n in sent.values())


async def crash_round(
    api: FakeBotAPI,
    url: str,
    engine: Any,
    process: BotProcess,
    chats: list[int],
    mode: str,
    rng: random.Random,
    processes: list[BotProcess],
    tally: Tally,
) -> BotProcess:
    """One kill and restart with one update in flight per chat; returns the new process."""
    trials = []
    offset = rng.randrange(len(KINDS))
    for n, chat in enumerate(chats):
        data = await open_form(api, process, url, chat)
        for _ in range(rng.randint(0, 2)):
            question = pending_question(data)
            assert question is not None
            callback, _, _ = rng.choice(answers(question))
            await process.handled(await api.press(chat, question["id"], callback))
            data = await open_form(api, process, url, chat)
        trials.append(plan(api, engine, chat, KINDS[(n + offset) % len(KINDS)], data, rng))
    if mode == "confirm":
        # The first update's replies are slowed down: the others are done by the time it is,
        # and the call that confirms it confirms them all at once.
        for method in ("sendMessage", "editMessageText"):
            api.slow(method, SLOW_FIRST, times=5, chat_id=trials[0].chat)
    killer = Killer(api, process, trials, mode, rng)
    api.watchers.append(killer)
    try:
        mark = len(api.calls)
        ids = await api.push_many([t.update for t in trials])
        for trial, update_id in zip(trials, ids, strict=True):
            trial.update_id, trial.mark = update_id, mark
        killer.arm(ids)
        deadline = time.monotonic() + 120
        while process.proc.poll() is None:
            assert time.monotonic() < deadline, "the kill never came:\n" + process.log(30)
            await asyncio.sleep(0.005)
    finally:
        api.watchers.remove(killer)
        api.faults.clear()
    process.kill()
    assert killer.fired_at, "the bot died on its own:\n" + process.log(30)
    recorded = {t.chat: set(applied(await stored(url, t.chat))) for t in trials}
    redelivered = api.unconfirmed
    tally.redelivered += len(redelivered)

    process = await start_polling(api, url)
    processes.append(process)
    for update_id in redelivered:
        await process.handled(update_id)
    seen = outcomes(process)
    tally.replays_skipped += sum(seen.get(u) == "replayed" for u in redelivered)
    for trial in trials:
        data = await stored(url, trial.chat)
        rerun = trial.update_id in recorded[trial.chat] and seen.get(trial.update_id) == "ok"
        check(api, trial, data, tally, rerun)
        tally.trials[killer.moment(trial), trial.kind] += 1
        # The chat goes on: the question its stored state says is pending takes a press.
        question = pending_question(data)
        if question is None:
            continue
        mark = len(api.calls)
        callback, slot, value = rng.choice(answers(question))
        await process.handled(await api.press(trial.chat, question["id"], callback))
        after = dialogue(await stored(url, trial.chat))
        assert after.slots == {**dialogue(data).slots, slot: value}, (trial.chat, data, after)
        texts = [
            plain(c.params["text"])
            for c in api.since(mark, "sendMessage", "editMessageText")
            if c.ok and int(c.params["chat_id"]) == trial.chat
        ]
        assert texts and not any("expired" in t.lower() for t in texts), texts
    return process


async def crash_trials(
    api: FakeBotAPI, url: str, engine: Any, trials: int, processes: list[BotProcess], seed: int
) -> Tally:
    """Rounds, cycling through the modes, until `trials` trials (each mode at least once)."""
    rng = random.Random(seed)
    per_round = 8 if trials <= 24 else 10
    chats = [FIRST_CHAT + i for i in range(per_round)]
    tally = Tally()
    process = await start_polling(api, url)
    processes.append(process)
    rounds = 0
    while rounds < len(MODES) or tally.counted < trials:
        order = rng.sample(chats, len(chats))
        mode = MODES[rounds % len(MODES)]
        process = await crash_round(api, url, engine, process, order, mode, rng, processes, tally)
        rounds += 1
        assert rounds <= 4 * math.ceil(trials / per_round) + len(MODES), "too few trials count"
    assert "Traceback" not in "\n".join(p.log() for p in processes)
    return tally


async def test_no_update_is_lost_or_applied_twice_whenever_the_bot_is_killed(
    bot_api: FakeBotAPI,
    storage_url: str,
    engine: Any,
    processes: list[BotProcess],
    trials: int,
) -> None:
    seed = int(os.environ.get("SOAK_SEED") or time.time_ns() % 1_000_000)
    name = storage_url.split(":", maxsplit=1)[0]
    print(f"\ncrash trials: seed={seed} trials>={trials} storage={name}")
    started = time.monotonic()
    tally = await crash_trials(bot_api, storage_url, engine, trials, processes, seed)
    print("\n".join(tally.lines(name)) + f"\n  in {time.monotonic() - started:.0f} s")
    assert tally.counted >= trials
    assert not tally.lost, tally.lost
    assert not tally.double_applied, tally.double_applied
