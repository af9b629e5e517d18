import logging
from datetime import timedelta

import pytest
from aiogram.utils.token import validate_token

from bot.config import Settings
from bot.logs import SecretFilter

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def test_defaults_put_sqlite_under_data_dir(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.resolved_storage_url() == f"sqlite:///{tmp_path / 'state.sqlite3'}"


def test_token_is_secret_in_repr():
    settings = Settings(_env_file=None, bot_token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    assert settings.token_problem() is None


def test_secret_filter_scrubs_messages_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{TOKEN}/",), None)
    try:
        raise RuntimeError(f"failed /bot{TOKEN}/getMe")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    SecretFilter([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "***" in record.getMessage()


@pytest.mark.parametrize(
    "token",
    [
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",  # @BotFather's shape
        "42:x",  # an emulator's
        "1:local-secret:with-colons",
        "  42:x\n",  # a stray newline from a .env file is stripped
    ],
)
def test_a_token_is_checked_as_aiogram_checks_it(token: str) -> None:
    assert Settings(_env_file=None, bot_token=token).token_problem() is None
    validate_token(token.strip())  # aiogram agrees


@pytest.mark.parametrize("token", ["42", "42:", ":secret", "abc:secret", "42:se cret", "٤٢:x"])
def test_a_malformed_token_is_refused_before_aiogram_sees_it(token: str) -> None:
    assert "malformed" in (Settings(_env_file=None, bot_token=token).token_problem() or "")


def test_conversations_expire_after_30_days_by_default() -> None:
    assert Settings(_env_file=None).conversation_ttl == timedelta(days=30)
    half = Settings(_env_file=None, conversation_ttl_days=0.5)
    assert half.conversation_ttl.total_seconds() == 12 * 3600
