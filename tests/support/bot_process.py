"""`python -m bot run` as a real child process, its stderr read line by line, and its storage."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiogram.fsm.storage.base import StorageKey

from bot.replies import DialogueState
from bot.telegram.conversation import QUESTION_KEY, STATE_KEY
from bot.telegram.storage import create_storage
from devkit.fake_bot_api import FakeBotAPI
from devkit.harness import TEST_TOKEN

REPO = Path(__file__).resolve().parents[2]
# Loading torch and the model on a busy 2-core machine can take a while; waits end early.
START_TIMEOUT = 240.0
BOT_ID = int(TEST_TOKEN.split(":")[0])


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for the bot process: offline, no stray webhook, storage or limits."""
    prefixes = ("WEBHOOK_", "STORAGE_", "RATE_LIMIT_", "KNOWLEDGE_", "INTENTS_", "TELEGRAM_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(LOG_LEVEL="INFO", BOT_TOKEN=TEST_TOKEN)
    env.update(extra)
    return env


class BotProcess:
    """`python -m bot run` with its stderr collected line by line."""

    def __init__(self, **env: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            env=subprocess_env(**env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def polling(cls, api: FakeBotAPI, storage_url: str, **env: str) -> BotProcess:
        """A polling bot against `api` on `storage_url`."""
        return cls(TELEGRAM_API_URL=api.base_url, STORAGE_URL=storage_url, **env)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _wait_line(self, predicate: Callable[[str], bool], count: int, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [line for line in self.lines if predicate(line)]
                if len(found) >= count:
                    return found[count - 1]
                if self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError("the bot exited:\n" + self.log(40))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no such log line:\n" + self.log(40))
                self._changed.wait(min(left, 1.0))

    async def wait_line(
        self, predicate: Callable[[str], bool], count: int = 1, timeout: float = 120.0
    ) -> str:
        """The `count`-th stderr line matching `predicate`."""
        return await asyncio.to_thread(self._wait_line, predicate, count, timeout)

    async def handled(self, update_id: int) -> str:
        """Wait for the log line saying update `update_id` was handled (state saved)."""
        return await self.wait_line(lambda line: f" update {update_id} " in line)

    async def exit_code(self, timeout: float = 120.0) -> int:
        """Wait for the process to exit; its status."""
        code = await asyncio.to_thread(self.proc.wait, timeout)
        await asyncio.to_thread(self._reader.join, 10)
        return code

    def log(self, last: int = 0) -> str:
        """Everything (or the `last` lines) the process wrote to stderr."""
        with self._changed:
            return "\n".join(self.lines[-last:] if last else self.lines)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=60)

    def stop(self) -> None:
        """Kill whatever is left (teardown)."""
        self.kill()
        self._reader.join(timeout=10)


async def start_polling(api: FakeBotAPI, storage_url: str, **env: str) -> BotProcess:
    """Start a polling bot process and wait until it polls."""
    mark = len(api.calls)
    process = BotProcess.polling(api, storage_url, **env)
    try:
        await api.wait_for(lambda c: c.method == "getUpdates", since=mark, timeout=START_TIMEOUT)
    except BaseException:
        process.stop()
        raise
    return process


async def stored(storage_url: str, chat_id: int, user_id: int | None = None) -> dict[str, Any]:
    """The chat's FSM data exactly as the bot left it in storage."""
    storage, _ = create_storage(storage_url)
    try:
        key = StorageKey(bot_id=BOT_ID, chat_id=chat_id, user_id=user_id or chat_id)
        return await storage.get_data(key)
    finally:
        await storage.close()


def dialogue(data: dict[str, Any]) -> DialogueState:
    """The DialogueState in stored FSM data (a fresh one when there is none)."""
    raw = data.get(STATE_KEY)
    return DialogueState.model_validate(raw) if raw else DialogueState()


def pending_question(data: dict[str, Any]) -> dict[str, Any] | None:
    """The stored record of the question the state says is pending (None when none is)."""
    question = data.get(QUESTION_KEY) or {}
    state = dialogue(data)
    if state.mode != "form" or not question.get("markup") or question.get("step") != state.step:
        return None
    return question  # type: ignore[no-any-return]


def processes_log_clean(process: BotProcess, token: str) -> None:
    """Assert stderr holds neither the token (nor its secret half) nor a traceback."""
    log = process.log()
    assert token not in log and token.split(":", 1)[1] not in log, "the token was logged"
    assert "Traceback" not in log, log


def answers(question: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A stored question's answer buttons as (callback_data, slot, value)."""
    from bot.telegram.keyboards import OptionCallback

    found = []
    for row in question["markup"]["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data", "")
            if data.startswith("o:"):
                option = OptionCallback.unpack(data)
                if option.action == "a":
                    found.append((data, option.slot, option.value))
    return found
