"""Webhook mode over real HTTP: the secret_token is checked; 200 once handled; /healthz."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.fake_engine import FakeEngine
from devkit.harness import TEST_TOKEN, serve_webhook, text_update

SECRET = "s3cret-Token_42"


@pytest.fixture
async def webhook(bot_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[str]:
    """The bot serving its webhook on a free loopback port; yields the server's base URL."""
    runner, base = await serve_webhook(
        bot_api,
        FakeEngine(),
        f"sqlite:///{tmp_path / 'state.sqlite3'}",
        "https://bot.example.test/tg/hook",
        SECRET,
    )
    yield base
    await runner.cleanup()


async def test_only_requests_with_the_right_secret_are_handled(
    webhook: str, bot_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    assert bot_api.webhook is not None
    assert bot_api.webhook["url"] == "https://bot.example.test/tg/hook"
    assert bot_api.webhook["secret_token"] == SECRET
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{webhook}/healthz") as response:
            assert response.status == 200 and await response.text() == "ok"
        hook = f"{webhook}/tg/hook"
        async with http.post(hook, json=text_update(1, "is django good?")) as response:
            assert response.status == 401
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong", "X-Forwarded-For": "203.0.113.9"}
        async with http.post(
            hook, json=text_update(2, "is django good?"), headers=headers
        ) as response:
            assert response.status == 401
        mark = len(bot_api.calls)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(
            hook, json=text_update(3, "is spring good?"), headers=headers
        ) as response:
            assert response.status == 200
    call = await bot_api.wait_for(lambda c: c.method == "sendMessage", since=mark)
    assert "You asked: is spring good?" in plain(call.params["text"])
    assert not any("django" in plain(c.params.get("text", "")) for c in bot_api.calls)
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    # Two refusals from loopback: X-Forwarded-For is not trusted unless configured.
    assert len(refusals) == 2 and all("127.0.0.1" in r for r in refusals), refusals


@pytest.mark.parametrize(
    ("secret", "expected"),
    [("", "WEBHOOK_SECRET is required"), ("no spaces allowed", "WEBHOOK_SECRET must be")],
)
def test_webhook_mode_refuses_to_start_without_a_usable_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret: str, expected: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.test/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert TEST_TOKEN not in err


async def test_telegram_gets_its_200_only_once_the_update_is_handled(
    bot_api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Until the 200 Telegram keeps the update; a delivery it repeats is not applied twice."""
    engine = FakeEngine()
    engine.gate = threading.Event()  # holds the question in "the model"
    runner, base = await serve_webhook(
        bot_api, engine, f"sqlite:///{tmp_path / 's.sqlite3'}", "https://b.example.test/h", SECRET
    )
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = text_update(7, "is spring good?")
    try:
        async with aiohttp.ClientSession() as http:
            posted = asyncio.create_task(http.post(f"{base}/h", json=update, headers=headers))
            await asyncio.sleep(1.0)
            assert not posted.done(), "acknowledged before it was handled"
            engine.gate.set()
            async with await posted as response:
                assert response.status == 200
            replies = [c for c in bot_api.calls if c.method == "sendMessage"]
            assert len(replies) == 1, "the 200 came before the reply was sent"
            # Telegram did not get that 200 (say the connection broke) and sends it again.
            with caplog.at_level(logging.INFO):
                async with http.post(f"{base}/h", json=update, headers=headers) as response:
                    assert response.status == 200
        assert len([c for c in bot_api.calls if c.method == "sendMessage"]) == 1
        assert len(engine.turns) == 1
        assert any(r.getMessage().startswith("update 7 message chat=9 replayed")
                   for r in caplog.records)  # fmt: skip
    finally:
        await runner.cleanup()
