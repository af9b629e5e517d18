"""Webhook mode over real HTTP: Telegram's secret_token is required and checked; /healthz."""

from __future__ import annotations

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
