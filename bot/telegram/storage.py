"""FSM storage: SQLite under DATA_DIR (embedded) or Redis, chosen from STORAGE_URL."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation


class StorageConfigError(ValueError):
    """STORAGE_URL names a scheme or path we cannot use."""


def _key_builder() -> DefaultKeyBuilder:
    # The bot id in the key lets two bots share one database or Redis without colliding.
    return DefaultKeyBuilder(prefix="fsm", with_bot_id=True, with_destiny=True)


class SQLiteStorage(BaseStorage):
    """aiogram storage in one SQLite file; each call is a sub-millisecond local transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._keys = _key_builder()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10
        )
        # WAL survives a killed process (only committed rows count) and lets readers in.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS fsm (key TEXT PRIMARY KEY, state TEXT, data TEXT)"
        )

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("SQLiteStorage is closed")
        return self._db

    def _row(self, key: StorageKey) -> tuple[str | None, str | None] | None:
        with self._lock:
            cur = self._conn().execute(
                "SELECT state, data FROM fsm WHERE key = ?", (self._keys.build(key),)
            )
            return cur.fetchone()  # type: ignore[no-any-return]

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Store the FSM state name for `key` (None clears it)."""
        value = state.state if isinstance(state, State) else state
        with self._lock:
            self._conn().execute(
                "INSERT INTO fsm (key, state, data) VALUES (?, ?, NULL) "
                "ON CONFLICT(key) DO UPDATE SET state = excluded.state",
                (self._keys.build(key), value),
            )

    async def get_state(self, key: StorageKey) -> str | None:
        """The FSM state name for `key`, or None."""
        row = self._row(key)
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data for `key` (JSON)."""
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._conn().execute(
                "INSERT INTO fsm (key, state, data) VALUES (?, NULL, ?) "
                "ON CONFLICT(key) DO UPDATE SET data = excluded.data",
                (self._keys.build(key), payload),
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """The data for `key`; {} when absent or unreadable."""
        row = self._row(key)
        if not row or not row[1]:
            return {}
        try:
            data = json.loads(row[1])
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    async def close(self) -> None:
        """Close the database; idempotent."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def storage_url_problem(url: str) -> str | None:
    """Why STORAGE_URL cannot be used (None when it looks right); opens nothing."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return (
            None
            if url.startswith("sqlite:///") and len(url) > 10
            else ("STORAGE_URL sqlite:/// needs a file path")
        )
    if scheme in ("redis", "rediss", "unix", "memory"):
        return None
    return f"STORAGE_URL scheme {scheme!r} is not supported (use sqlite:///path or redis://...)"


def create_storage(url: str) -> tuple[BaseStorage, BaseEventIsolation]:
    """Storage and per-chat event isolation for `url`: sqlite:///path, redis://..., memory://."""
    problem = storage_url_problem(url)
    if problem:
        raise StorageConfigError(problem)
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative.db and sqlite:////absolute/path.db.
        path = url.removeprefix("sqlite:///")
        # One process owns a SQLite file, so in-process locks isolate a chat's updates.
        return SQLiteStorage(Path(path)), SimpleEventIsolation()
    if scheme in ("redis", "rediss", "unix"):
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        storage = RedisStorage.from_url(url, key_builder=_key_builder())
        # A Redis lock per chat: replicas behind one webhook never handle one chat at once.
        isolation = RedisEventIsolation(redis=storage.redis, key_builder=_key_builder())
        return storage, isolation
    return MemoryStorage(), SimpleEventIsolation()
