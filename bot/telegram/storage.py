"""FSM storage: SQLite under DATA_DIR (embedded) or Redis, chosen from STORAGE_URL.

Conversations expire CONVERSATION_TTL_DAYS after their last write: Redis expires its keys
itself, SQLite rows are swept at start-up and daily. `forget_user` deletes a user's records in
every chat (/forget).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    DEFAULT_DESTINY,
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from cachetools import LRUCache

from bot.config import storage_url_problem

log = logging.getLogger(__name__)

# The SQLite sweep runs at start-up and then this often (Redis needs none).
SWEEP_EVERY_SECONDS = 24 * 3600.0
# Rows SQLiteStorage keeps in memory (the chats read or written last; a row is 1-4 KB).
ROWS_KEPT = 1024

_Row = tuple[str | None, str | None]


class StorageConfigError(ValueError):
    """STORAGE_URL names a scheme or path we cannot use."""


def _key_builder() -> DefaultKeyBuilder:
    # The bot id in the key lets two bots share one database or Redis without colliding.
    return DefaultKeyBuilder(prefix="fsm", with_bot_id=True, with_destiny=True)


def _user_key_pattern(bot_id: int, user_id: int, wildcard: str) -> str:
    """A LIKE (`%`) or glob (`*`) pattern for every key of `user_id`, any chat or topic.

    DefaultKeyBuilder lays keys out as fsm:<bot>:<chat>[:<topic>]:<user>:<destiny>[:<part>];
    the user id is the part right before the destiny, so the pattern anchors on both.
    """
    return f"fsm:{bot_id}:{wildcard}:{user_id}:{DEFAULT_DESTINY}"


class SQLiteStorage(BaseStorage):
    """aiogram storage in one SQLite file; each call is a sub-millisecond local transaction.

    Each row records when it was last written; `sweep` deletes rows idle for longer than `ttl`.
    The process is the file's only writer, so the rows it read or wrote last are kept in
    memory (ROWS_KEPT) and read from there: aiogram reads a chat's state and then the replay
    guard its data, two SELECTs an update, each of which gave the GIL up to the model's
    thread and waited to win it back (4% of the event loop in the e2e bench). Writes still
    go to the file before they return.
    """

    def __init__(
        self,
        path: Path,
        ttl: timedelta | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.ttl = ttl
        self._clock = clock
        self._keys = _key_builder()
        self._lock = threading.Lock()
        # Built key -> (state, data) as stored; None: no row. Under `_lock`, like the file.
        self._rows: LRUCache[str, _Row | None] = LRUCache(maxsize=ROWS_KEPT)
        self._db: sqlite3.Connection | None = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10
        )
        # WAL survives a killed process (only committed rows count) and lets readers in.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS fsm "
            "(key TEXT PRIMARY KEY, state TEXT, data TEXT, updated REAL)"
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(fsm)")}
        if "updated" not in columns:
            # A database from before expiry: its rows' age is unknown, so it starts now.
            self._db.execute("ALTER TABLE fsm ADD COLUMN updated REAL")
            self._db.execute("UPDATE fsm SET updated = ?", (self._clock(),))
        # The sweep holds the storage's lock (a chat's write waits for it): with the index it
        # reads only the expired rows, not the whole table.
        self._db.execute("CREATE INDEX IF NOT EXISTS fsm_updated ON fsm (updated)")

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("SQLiteStorage is closed")
        return self._db

    def _row(self, key: StorageKey) -> _Row | None:
        built = self._keys.build(key)
        with self._lock:
            if built in self._rows:
                return self._rows[built]
            cur = self._conn().execute("SELECT state, data FROM fsm WHERE key = ?", (built,))
            row: _Row | None = cur.fetchone()
            self._rows[built] = row
            return row

    def _keep_state(self, built: str, state: str | None) -> None:
        """A kept row after its state was written (the lock is held); others stay unread."""
        if built in self._rows:
            row = self._rows[built]
            self._rows[built] = (state, row[1] if row else None)

    def _keep_data(self, built: str, data: str) -> None:
        """A kept row after its data was written (the lock is held); others stay unread."""
        if built in self._rows:
            row = self._rows[built]
            self._rows[built] = (row[0] if row else None, data)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Store the FSM state name for `key` (None clears it)."""
        value = state.state if isinstance(state, State) else state
        built = self._keys.build(key)
        with self._lock:
            self._conn().execute(
                "INSERT INTO fsm (key, state, data, updated) VALUES (?, ?, NULL, ?) "
                "ON CONFLICT(key) DO UPDATE SET state = excluded.state, "
                "updated = excluded.updated",
                (built, value, self._clock()),
            )
            self._keep_state(built, value)

    async def get_state(self, key: StorageKey) -> str | None:
        """The FSM state name for `key`, or None."""
        row = self._row(key)
        return row[0] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data for `key` (JSON)."""
        payload = json.dumps(dict(data), ensure_ascii=False, separators=(",", ":"))
        built = self._keys.build(key)
        with self._lock:
            self._conn().execute(
                "INSERT INTO fsm (key, state, data, updated) VALUES (?, NULL, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET data = excluded.data, "
                "updated = excluded.updated",
                (built, payload, self._clock()),
            )
            self._keep_data(built, payload)

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

    def sweep(self) -> int:
        """Delete rows not written for longer than `ttl`; how many (0 without a ttl)."""
        if self.ttl is None:
            return 0
        with self._lock:
            cur = self._conn().execute(
                "DELETE FROM fsm WHERE updated < ?", (self._clock() - self.ttl.total_seconds(),)
            )
            self._rows.clear()
            return cur.rowcount

    def forget_user(self, bot_id: int, user_id: int) -> int:
        """Delete `user_id`'s rows in every chat; how many."""
        with self._lock:
            cur = self._conn().execute(
                "DELETE FROM fsm WHERE key LIKE ?", (_user_key_pattern(bot_id, user_id, "%"),)
            )
            self._rows.clear()
            return cur.rowcount

    async def close(self) -> None:
        """Close the database; idempotent."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._rows.clear()


def create_storage(
    url: str, ttl: timedelta | None = None
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Storage and per-chat event isolation for `url`: sqlite:///path, redis://..., memory://.

    Records expire `ttl` after their last write (None: never; only for tools that read).
    """
    problem = storage_url_problem(url)
    if problem:
        raise StorageConfigError(problem)
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        # SQLAlchemy's convention: sqlite:///relative.db and sqlite:////absolute/path.db.
        path = url.removeprefix("sqlite:///")
        # One process owns a SQLite file, so in-process locks isolate a chat's updates.
        return SQLiteStorage(Path(path), ttl), SimpleEventIsolation()
    if scheme in ("redis", "rediss", "unix"):
        from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage

        # Each write sets the key's expiry again: a conversation lives `ttl` past its last turn.
        storage = RedisStorage.from_url(
            url, key_builder=_key_builder(), state_ttl=ttl, data_ttl=ttl
        )
        # A Redis lock per chat: replicas behind one webhook never handle one chat at once.
        isolation = RedisEventIsolation(redis=storage.redis, key_builder=_key_builder())
        return storage, isolation
    return MemoryStorage(), SimpleEventIsolation()


async def forget_user(storage: BaseStorage, bot_id: int, user_id: int) -> int:
    """Delete everything stored for `user_id` (state and data, every chat); how many records."""
    if isinstance(storage, SQLiteStorage):
        # A scan of the table (the pattern has a wildcard in the middle), in a thread; rare.
        return await asyncio.to_thread(storage.forget_user, bot_id, user_id)
    redis = getattr(storage, "redis", None)
    if redis is not None:
        # The webhook's per-chat ticket counters (bot.telegram.ordering) carry the user id
        # too. Not the chat's lock: the update deleting all this is holding it.
        fsm = _user_key_pattern(bot_id, user_id, "*")
        patterns = (f"{fsm}:*", f"order:{bot_id}:*:{user_id}:*")
        keys = [
            key
            for pattern in patterns
            async for key in redis.scan_iter(match=pattern, count=1000)
            if not key.endswith(b":lock")
        ]
        return int(await redis.delete(*keys)) if keys else 0
    if isinstance(storage, MemoryStorage):
        mine = [k for k in storage.storage if k.bot_id == bot_id and k.user_id == user_id]
        for key in mine:
            del storage.storage[key]
        return len(mine)
    raise TypeError(f"cannot forget users in {type(storage).__name__}")


async def sweep_daily(storage: BaseStorage, every: float = SWEEP_EVERY_SECONDS) -> None:
    """Sweep expired SQLite rows every `every` seconds, forever (cancel it to stop).

    Redis expires keys itself; other storages need nothing. Run one sweep at start-up first.
    """
    if not isinstance(storage, SQLiteStorage) or storage.ttl is None:
        return
    while True:
        await asyncio.sleep(every)
        await sweep_now(storage)


async def sweep_now(storage: BaseStorage) -> int:
    """Delete conversations idle past the TTL now (SQLite; elsewhere 0); how many, logged."""
    if not isinstance(storage, SQLiteStorage) or storage.ttl is None:
        return 0
    # Off the loop: a large table's scan must not stall every chat.
    removed = await asyncio.to_thread(storage.sweep)
    if removed:
        log.info("deleted %d conversation(s) idle for longer than %s", removed, storage.ttl)
    return removed
