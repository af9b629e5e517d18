"""`python -m bot run` as a real process against the fake Bot API: start, stop, crash, resume."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.testing.bot_api import FakeBotAPI, plain
from bot.testing.harness import TEST_TOKEN, buttons, last_with_buttons

REPO = Path(__file__).resolve().parents[3]
CHAT = 31337
# Loading torch and the model on a busy 2-core machine can take a while; waits end early.
START_TIMEOUT = 180.0

pytestmark = pytest.mark.model


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for the bot process: offline, no stray webhook or storage settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "STORAGE_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(extra)
    return env


class BotProcess:
    """`python -m bot run` with its stderr collected line by line."""

    def __init__(self, api: FakeBotAPI, storage_url: str) -> None:
        env = subprocess_env(
            BOT_TOKEN=TEST_TOKEN,
            TELEGRAM_API_URL=api.base_url,
            STORAGE_URL=storage_url,
            LOG_LEVEL="INFO",
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _wait_line(self, predicate: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if predicate(line):
                        return line
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError("the bot exited:\n" + "\n".join(self.lines[-30:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no such log line:\n" + "\n".join(self.lines[-30:]))
                self._changed.wait(min(left, 1.0))

    async def wait_line(self, predicate: Callable[[str], bool], timeout: float = 120.0) -> str:
        """The first stderr line matching `predicate`."""
        return await asyncio.to_thread(self._wait_line, predicate, timeout)

    async def handled(self, update_id: int) -> str:
        """Wait for the bot's log line saying update `update_id` was handled (state saved)."""
        return await self.wait_line(lambda line: f" update {update_id} " in line)

    def stop(self) -> None:
        """Kill whatever is left (teardown)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=60)
        self._reader.join(timeout=10)


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.stop()


async def start(api: FakeBotAPI, storage_url: str, started: list[BotProcess]) -> BotProcess:
    mark = len(api.calls)
    process = BotProcess(api, storage_url)
    started.append(process)
    await api.wait_for(lambda c: c.method == "getUpdates", since=mark, timeout=START_TIMEOUT)
    return process


async def test_a_killed_bot_resumes_the_dialogue_then_stops_cleanly_on_sigterm(
    bot_api: FakeBotAPI, storage_url: str, processes: list[BotProcess]
) -> None:
    first = await start(bot_api, storage_url, processes)
    assert {c["command"] for c in bot_api.commands} >= {"start", "recommend", "ask", "cancel"}
    mark = len(bot_api.calls)
    await first.handled(await bot_api.send_text(CHAT, "/recommend"))
    question = last_with_buttons(bot_api, CHAT)
    assert question is not None
    answer = next(data for _, data, action in buttons(question) if action == "answer")
    press = await bot_api.press(CHAT, question["message_id"], answer)
    await first.handled(press)
    # Telegram would re-deliver an unconfirmed update; wait until the bot confirmed this one.
    await bot_api.wait_for(
        lambda c: c.method == "getUpdates" and int(c.params.get("offset") or 0) > press,
        since=mark,
    )
    current = last_with_buttons(bot_api, CHAT)
    assert current is not None
    pending = next(data for _, data, action in buttons(current) if action == "answer")
    first.proc.kill()  # no clean stop: SIGKILL
    first.proc.wait(timeout=60)

    second = await start(bot_api, storage_url, processes)
    mark = len(bot_api.calls)
    update_id = await bot_api.press(CHAT, current["message_id"], pending)
    await second.handled(update_id)
    calls = bot_api.since(mark, "sendMessage", "editMessageText", "answerCallbackQuery")
    texts = [plain(c.params["text"]) for c in calls if c.method != "answerCallbackQuery"]
    assert any(c.method == "answerCallbackQuery" for c in calls)
    assert texts, "no reply after the restart"
    assert not any("expired" in t.lower() for t in texts), texts
    assert all(c.ok for c in calls)

    # SIGTERM: polling stops, storage and session close, exit status 0, the token never logged.
    second.proc.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(second.proc.wait, 60)
    second._reader.join(timeout=10)
    log = "\n".join(second.lines)
    assert code == 0, log
    assert "Polling stopped" in log
    assert "Traceback" not in log
    assert TEST_TOKEN.split(":")[1] not in log + "\n".join(first.lines)
