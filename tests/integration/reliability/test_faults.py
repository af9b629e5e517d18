"""Bot API faults from the test server: flood control, server errors, timeouts, a dead server."""

from __future__ import annotations

import itertools
import logging

import pytest
from support.bot_process import BotProcess, processes_log_clean

from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.harness import TEST_TOKEN, BotHarness, free_port

pytestmark = pytest.mark.model

CHAT = 5151


async def test_429_the_reply_is_sent_after_retry_after_and_never_before(
    sqlite_bot: BotHarness, bot_api: FakeBotAPI
) -> None:
    bot_api.fail("sendMessage", 429, retry_after=2)
    calls = await sqlite_bot.turn(bot_api.send_text(CHAT, "/help"))
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.ok for c in sends] == [False, True]
    # A lower bound, not a timing assertion: sending sooner would break Telegram's rule.
    assert sends[1].at - sends[0].at >= 2.0
    assert plain(sends[1].params["text"])


async def test_500s_and_timeouts_are_retried_with_backoff_then_logged(
    sqlite_bot: BotHarness, bot_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    bot_api.fail("sendMessage", 500, times=3)
    calls = await sqlite_bot.turn(bot_api.send_text(CHAT, "/help"))
    sends = [c for c in calls if c.method == "sendMessage"]
    assert [c.ok for c in sends] == [False, False, False, True]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert gaps[0] >= 0.25 and gaps[1] >= 0.5 and gaps[2] >= 1.0  # exponential backoff

    # A request that outlives the client's timeout is retried like a 5xx.
    assert sqlite_bot.bot is not None
    sqlite_bot.bot.session.timeout = 1.0
    bot_api.slow("sendMessage", 3.0)
    with caplog.at_level(logging.WARNING):
        calls = await sqlite_bot.turn(bot_api.send_text(CHAT, "/help"))
    assert any(c.method == "sendMessage" and c.ok for c in calls)
    assert any("TelegramNetworkError" in r.getMessage() for r in caplog.records)

    # Down for longer than the retries last: given up, logged, and the chat still works.
    caplog.clear()
    bot_api.fail("sendMessage", 500, times=50)
    with caplog.at_level(logging.INFO):
        await sqlite_bot.turn(bot_api.send_text(CHAT, "/help"))
    assert any("failed after 4 attempts" in r.getMessage() for r in caplog.records)
    assert any(r.getMessage().endswith("failed") or " failed in " in r.getMessage()
               for r in caplog.records if r.getMessage().startswith("update "))  # fmt: skip
    bot_api.faults.clear()
    calls = await sqlite_bot.turn(bot_api.send_text(CHAT, "/help"))
    assert any(c.method == "sendMessage" and c.ok for c in calls)


async def test_a_dead_server_at_start_up_is_retried_until_it_answers(
    processes: list[BotProcess], tmp_path: object
) -> None:
    """Closed port, then a server that answers 500 quoting the URL (token), then a real one.

    The process neither exits nor logs the token nor a traceback, and serves once it can.
    """
    from aiohttp import web

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = BotProcess(TELEGRAM_API_URL=url, STORAGE_URL=f"sqlite:///{tmp_path}/s.sqlite3")
    processes.append(process)
    unreachable = "cannot reach the Telegram Bot API"
    await process.wait_line(lambda line: unreachable in line, count=2, timeout=240)

    async def hostile(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 500, "description": f"broken at {request.path}"}
        return web.json_response(body, status=500)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hostile)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    seen = sum(unreachable in line for line in process.lines)
    await process.wait_line(lambda line: "TelegramServerError" in line, timeout=120)
    await runner.cleanup()
    assert process.proc.poll() is None

    api = FakeBotAPI()
    await api.start(port=port)
    try:
        await api.wait_for(lambda c: c.method == "getUpdates", timeout=120)
        update_id = await api.send_text(CHAT, "/help")
        await process.handled(update_id)
        assert any(c.method == "sendMessage" and c.ok for c in api.calls)
        process.proc.terminate()
        assert await process.exit_code() == 0
    finally:
        await api.stop()
    assert seen >= 2
    processes_log_clean(process, TEST_TOKEN)


async def test_sigterm_while_waiting_for_a_dead_server_exits_0(
    processes: list[BotProcess], tmp_path: object
) -> None:
    process = BotProcess(
        TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}",
        STORAGE_URL=f"sqlite:///{tmp_path}/s.sqlite3",
    )
    processes.append(process)
    await process.wait_line(lambda line: "cannot reach the Telegram Bot API" in line, timeout=240)
    process.proc.terminate()
    assert await process.exit_code() == 0
    processes_log_clean(process, TEST_TOKEN)
