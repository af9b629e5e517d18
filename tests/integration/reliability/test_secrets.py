"""The token stays secret: settings' repr, logs on error paths, what users see; the webhook."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.logs import SecretFilter
from bot.replies import DialogueState, Reply, Turn
from bot.telegram.handlers.errors import SORRY
from devkit.fake_bot_api import FakeBotAPI, plain
from devkit.fake_engine import FakeEngine
from devkit.harness import (
    TEST_TOKEN,
    BotHarness,
    serve_webhook,
    text_update,
)

SECRET = "hook-Secret_99"
TOKEN_SECRET = TEST_TOKEN.split(":", 1)[1]


def test_settings_never_show_the_token_or_the_webhook_secret() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(TEST_TOKEN),
        webhook_secret=SecretStr(SECRET),
    )
    for shown in (repr(settings), str(settings), settings.model_dump_json(), f"{settings!r}"):
        assert TOKEN_SECRET not in shown and SECRET not in shown, shown


class LeakyEngine(FakeEngine):
    """An engine whose failure quotes the token, as an HTTP client's error quoting a URL would."""

    def handle(self, state: DialogueState, turn: Turn) -> tuple[DialogueState, list[Reply]]:
        """Fail with the token in the message."""
        raise RuntimeError(f"GET https://api.telegram.org/bot{TEST_TOKEN}/getMe failed")


async def test_a_failure_quoting_the_token_reaches_neither_logs_nor_users(
    bot_api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The filter `python -m bot run` installs on its log handler, on pytest's handler here.
    caplog.handler.addFilter(SecretFilter([TEST_TOKEN]))
    harness = BotHarness(bot_api, LeakyEngine(), f"sqlite:///{tmp_path / 's.sqlite3'}")
    await harness.start()
    try:
        with caplog.at_level(logging.INFO):
            calls = await harness.turn(bot_api.send_text(4242, "/recommend"))
    finally:
        await harness.stop()
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    shown = [plain(c.params["text"]) for c in calls if c.method == "sendMessage"]
    assert shown == [SORRY]
    assert "failed: RuntimeError" in caplog.text
    assert "RuntimeError: GET https://api.telegram.org/bot***/getMe" in caplog.text
    assert TOKEN_SECRET not in caplog.text


@pytest.fixture(params=[False, True], ids=["direct", "behind-a-proxy"])
async def webhook(
    request: pytest.FixtureRequest, bot_api: FakeBotAPI, tmp_path: Path
) -> AsyncIterator[tuple[str, bool]]:
    """The webhook on loopback; X-Forwarded-For trusted or not. Yields (URL, trusted)."""
    runner, base = await serve_webhook(
        bot_api,
        FakeEngine(),
        f"sqlite:///{tmp_path / 's.sqlite3'}",
        "https://bot.example.test/hook",
        SECRET,
        trust_forwarded_for=request.param,
    )
    yield f"{base}/hook", request.param
    await runner.cleanup()


async def test_the_webhook_rejects_a_missing_or_wrong_secret_and_trusts_proxies_only_if_told(
    webhook: tuple[str, bool], bot_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    url, trusted = webhook
    forged = {"X-Forwarded-For": "203.0.113.7"}
    wrong = [
        {},
        {"X-Telegram-Bot-Api-Secret-Token": ""},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
        {"X-Telegram-Bot-Api-Secret-Token": SECRET.lower()},
    ]
    async with aiohttp.ClientSession() as http:
        for n, headers in enumerate(wrong, start=1):
            sent = {**headers, **forged}
            async with http.post(url, json=text_update(n, "leak?"), headers=sent) as r:
                assert r.status == 401
        # The secret in the query string or body does not count either.
        async with http.post(f"{url}?secret_token={SECRET}", json=text_update(50, "leak?")) as r:
            assert r.status == 401
        mark = len(bot_api.calls)
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(url, json=text_update(99, "is django good?"), headers=right) as r:
            assert r.status == 200
    call = await bot_api.wait_for(lambda c: c.method == "sendMessage", since=mark)
    assert "is django good?" in plain(call.params["text"])
    assert not any("leak?" in plain(c.params.get("text", "")) for c in bot_api.calls)
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == len(wrong) + 1
    expected = "203.0.113.7" if trusted else "127.0.0.1"
    assert all(f"from {expected} " in r for r in refusals[: len(wrong)]), refusals
    assert not any(SECRET in r for r in refusals)
