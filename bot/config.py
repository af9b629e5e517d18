"""Settings from the environment and `.env`; built once in main() and passed down."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_PACKAGE = Path(__file__).resolve().parent


def packaged(name: str) -> Path:
    """Where the data folder `name` (knowledge, intents) is: in the wheel, or in a checkout."""
    wheel = _PACKAGE / "resources" / name
    return wheel if wheel.is_dir() else _PACKAGE.parent / name


# aiogram's own check (aiogram.utils.token): the bot id in digits, a colon, a non-empty secret,
# no whitespace. Telegram judges the rest; a custom Bot API server or an emulator may hand out
# tokens of other shapes than @BotFather's 35-character secrets.
_TOKEN_RE = re.compile(r"[0-9]+:\S+")

# EMBEDDER: the encoder of all-MiniLM-L6-v2 (bot.embedding.loader builds it).
EmbedderKind = Literal["onnx", "torch"]


# The storage STORAGE_URL names is opened by the Telegram adapter and read by `report`: both
# check the URL the same way, here, before opening anything.
def storage_url_problem(url: str) -> str | None:
    """Why STORAGE_URL cannot be used (None when it looks right); opens nothing."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return (
            None
            if url.startswith("sqlite:///") and len(url) > 10
            else "STORAGE_URL sqlite:/// needs a file path"
        )
    if scheme in ("redis", "rediss", "unix", "memory"):
        return None
    return f"STORAGE_URL scheme {scheme!r} is not supported (use sqlite:///path or redis://...)"


class Settings(BaseSettings):
    """Every knob of the bot; see the configuration table in docs/configuration.md."""

    # `cp .env.example .env` leaves blanks like HEALTH_PORT=: a blank means "the default".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = Field(
        default=None, description="Base URL of another Bot API server, e.g. http://127.0.0.1:8081"
    )
    storage_url: str | None = Field(
        default=None,
        description="sqlite:///path or redis://host:port/db; default SQLite in DATA_DIR",
    )
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    trust_forwarded_for: bool = False
    # Polling mode has no web server; set this to serve GET /healthz there (compose does).
    health_port: int | None = None
    data_dir: Path = Path("data")
    knowledge_dir: Path = Field(default_factory=lambda: packaged("knowledge"))
    intents_dir: Path = Field(default_factory=lambda: packaged("intents"))
    # The labelled sets of `python -m bot eval`: a checkout's, not shipped in the wheel.
    datasets_dir: Path = Field(default_factory=lambda: packaged("datasets"))
    log_level: str = "INFO"
    # The encoder of all-MiniLM-L6-v2: onnx (int8 on onnxruntime, no torch in the process) or
    # torch (sentence-transformers, the reference; needs the [torch] extra). Each has its own
    # index caches under DATA_DIR/index.
    embedder: EmbedderKind = "onnx"
    # Telegram's send limits: about 30 messages/s per bot, 1/s per chat with short bursts.
    # SEND_RATE_LIMIT=0 turns the limiter off (the benchmark's fake Bot API is not Telegram).
    send_rate_limit: float = Field(default=30.0, ge=0)
    send_chat_rate: float = Field(default=1.0, gt=0)
    send_chat_burst: int = Field(default=3, ge=1)
    # Per-user flood limit: this many messages or presses per this many seconds (0: off).
    rate_limit_messages: int = Field(default=10, ge=0)
    rate_limit_seconds: float = Field(default=10.0, gt=0)
    # A stored conversation is deleted this many days after its last turn (fractions allowed).
    conversation_ttl_days: float = Field(default=30.0, gt=0)
    # Votes, declined questions and topic counts for `python -m bot report` (no user ids);
    # FEEDBACK_LOG=off stores none of it and shows no vote buttons.
    feedback_log: bool = True

    @property
    def conversation_ttl(self) -> timedelta:
        """CONVERSATION_TTL_DAYS as a timedelta."""
        return timedelta(days=self.conversation_ttl_days)

    def resolved_storage_url(self) -> str:
        """The storage URL to use: STORAGE_URL, or a SQLite file under DATA_DIR."""
        return self.storage_url or f"sqlite:///{self.data_dir / 'state.sqlite3'}"

    def token_problem(self) -> str | None:
        """Why BOT_TOKEN cannot be used (None when it looks right); never echoes the token."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            return "BOT_TOKEN is not set"
        if not _TOKEN_RE.fullmatch(self.bot_token.get_secret_value().strip()):
            return "BOT_TOKEN is malformed (expected <bot id digits>:<secret>, no spaces)"
        return None

    def secrets(self) -> list[str]:
        """The secret values, for the log filter that scrubs them."""
        return [
            s.get_secret_value()
            for s in (self.bot_token, self.webhook_secret)
            if s is not None and s.get_secret_value()
        ]
