"""`python -m bot run` as a real process against the fake Bot API: start, stop, crash, resume."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import pytest
from support.bot_process import BotProcess, processes_log_clean, start_polling

from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import TEST_TOKEN, buttons, last_with_buttons

CHAT = 31337

pytestmark = pytest.mark.model


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.stop()


async def start(api: FakeBotAPI, storage_url: str, started: list[BotProcess]) -> BotProcess:
    process = await start_polling(api, storage_url)
    started.append(process)
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
    assert "polling stopped" in log
    assert "Traceback" not in log
    assert TEST_TOKEN.split(":")[1] not in log + "\n".join(first.lines)


async def test_a_token_of_another_shape_works_against_a_custom_bot_api_server(
    bot_api: FakeBotAPI, tmp_path: object, processes: list[BotProcess]
) -> None:
    """Emulators and self-hosted Bot API servers hand out tokens unlike @BotFather's."""
    token = "7:emulator"
    process = await start_polling(bot_api, f"sqlite:///{tmp_path}/s.sqlite3", BOT_TOKEN=token)
    processes.append(process)
    mark = len(bot_api.calls)
    await process.handled(await bot_api.send_text(CHAT, "/start"))
    assert bot_api.bot_id == 7
    assert any(c.method == "sendMessage" and c.ok for c in bot_api.since(mark))
    processes_log_clean(process, token)


async def test_the_serving_process_imports_neither_torch_nor_sentence_transformers(
    bot_api: FakeBotAPI, tmp_path: object, processes: list[BotProcess]
) -> None:
    """EMBEDDER=onnx, the default: `python -m bot run` answers with the model loaded and never
    imports torch. Every module the process imports, in any thread, is a line of its
    PYTHONPROFILEIMPORTTIME (-X importtime) log: what reached sys.modules, in order."""
    process = await start_polling(
        bot_api,
        f"sqlite:///{tmp_path}/s.sqlite3",
        PYTHONPROFILEIMPORTTIME="1",
        EMBEDDER="onnx",
    )
    processes.append(process)
    mark = len(bot_api.calls)
    await process.handled(await bot_api.send_text(CHAT, "/ask is django good for an admin panel?"))
    description = "we're three python devs building a content site with live updates"
    await process.handled(await bot_api.send_text(CHAT, f"/recommend {description}"))
    texts = [plain(c.params["text"]) for c in bot_api.since(mark, "sendMessage")]
    assert any("Built-in admin" in text for text in texts), texts
    assert any("Recommendation" in text or "?" in text for text in texts[1:]), texts
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in process.lines
        if line.startswith("import time:") and "|" in line
    }
    assert {"onnxruntime", "tokenizers", "bot.embedding.onnx_minilm"} <= imported
    heavy = ("torch", "sentence_transformers", "transformers")
    assert not sorted(m for m in imported if m.split(".")[0] in heavy)
