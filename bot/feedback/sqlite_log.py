"""The feedback log in the bot's SQLite file (STORAGE_URL sqlite:///path), beside `fsm`.

Three tables of counts per UTC day; nothing in them names a user or a chat. Each write is a
sub-millisecond local transaction, like the conversation storage's. Days past the retention
are deleted by the first write of each day.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.feedback.records import (
    MAX_DISTINCT_PER_DAY,
    FeedbackStorageError,
    Report,
    Shown,
    Tally,
    day_of,
    first_day,
    normalise,
    oldest_kept,
)

_TABLES = {
    "feedback_declined": "(day TEXT, question TEXT, count INTEGER, PRIMARY KEY (day, question))",
    "feedback_topics": "(day TEXT, topic TEXT, count INTEGER, PRIMARY KEY (day, topic))",
    "feedback_votes": (
        "(day TEXT, key TEXT, shown TEXT, up INTEGER, down INTEGER, PRIMARY KEY (day, key))"
    ),
}


class SQLiteFeedbackLog:
    """The feedback log in one SQLite file; `writable=False` opens an existing file read-only."""

    def __init__(
        self,
        path: str,
        retention: timedelta,
        *,
        writable: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.retention = retention
        self._clock = clock
        self._lock = threading.Lock()
        self._pruned = ""
        try:
            if writable:
                if path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(
                    path, check_same_thread=False, isolation_level=None, timeout=10
                )
                # As the conversation storage sets them (synchronous is per connection): a
                # count written on the event loop after every answer must not wait for an
                # fsync (FULL syncs the WAL on each commit); a power cut may lose the last
                # counts, a crash of the bot does not.
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                for table, columns in _TABLES.items():
                    self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} {columns}")
            else:
                if not Path(path).is_file():
                    raise FeedbackStorageError(
                        f"no SQLite database at {path} (STORAGE_URL, or DATA_DIR by default): "
                        "has the bot run with this storage?"
                    )
                # Read-only: the report never creates or changes the bot's database.
                uri = f"{Path(path).resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
                self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise FeedbackStorageError(f"cannot open the SQLite database {path}: {exc}") from None

    def _prune(self, today: str) -> None:
        """Once a day: delete the days past the retention (the lock is held)."""
        if self._pruned == today:
            return
        cutoff = oldest_kept(self._clock(), self.retention)
        for table in _TABLES:
            self._db.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff,))
        self._pruned = today

    def _bump(self, table: str, column: str, name: str) -> None:
        """Add one to (today, name) in `table`, unless today already holds too many names."""
        today = day_of(self._clock())
        with self._lock:
            self._prune(today)
            cur = self._db.execute(
                f"UPDATE {table} SET count = count + 1 WHERE day = ? AND {column} = ?",
                (today, name),
            )
            if cur.rowcount:
                return
            (distinct,) = self._db.execute(
                f"SELECT count(*) FROM {table} WHERE day = ?", (today,)
            ).fetchone()
            if distinct >= MAX_DISTINCT_PER_DAY:
                return
            self._db.execute(
                f"INSERT INTO {table} (day, {column}, count) VALUES (?, ?, 1)", (today, name)
            )

    async def declined(self, question: str) -> None:
        """Count a question the article does not cover (normalised)."""
        text = normalise(question)
        if text:
            self._bump("feedback_declined", "question", text)

    async def asked(self, topic: str) -> None:
        """Count an answer under its topic."""
        if topic:
            self._bump("feedback_topics", "topic", topic[:200])

    async def vote(self, shown: Shown, up: bool) -> None:
        """Record a 👍 or 👎 on `shown`."""
        today = day_of(self._clock())
        column = "up" if up else "down"
        with self._lock:
            self._prune(today)
            cur = self._db.execute(
                f"UPDATE feedback_votes SET {column} = {column} + 1 WHERE day = ? AND key = ?",
                (today, shown.key),
            )
            if cur.rowcount:
                return
            (distinct,) = self._db.execute(
                "SELECT count(*) FROM feedback_votes WHERE day = ?", (today,)
            ).fetchone()
            if distinct >= MAX_DISTINCT_PER_DAY:
                return
            self._db.execute(
                "INSERT INTO feedback_votes (day, key, shown, up, down) VALUES (?, ?, ?, ?, ?)",
                (today, shown.key, shown.to_json(), int(up), int(not up)),
            )

    async def report(self, since_days: int | None = None, top: int = 10) -> Report:
        """The report over the last `since_days` days (None: every day kept)."""
        now = self._clock()
        # Days past the retention are gone for the report even before the bot's next prune.
        start = max(first_day(now, since_days) or "", oldest_kept(now, self.retention))
        tally = Tally()
        with self._lock:
            present = {
                row[0]
                for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "feedback_declined" in present:
                for day, text, n in self._db.execute(
                    "SELECT day, question, count FROM feedback_declined WHERE day >= ?", (start,)
                ):
                    tally.add("declined", day, text, n)
            if "feedback_topics" in present:
                for day, text, n in self._db.execute(
                    "SELECT day, topic, count FROM feedback_topics WHERE day >= ?", (start,)
                ):
                    tally.add("topics", day, text, n)
            if "feedback_votes" in present:
                for day, key, shown, up, down in self._db.execute(
                    "SELECT day, key, shown, up, down FROM feedback_votes WHERE day >= ?",
                    (start,),
                ):
                    tally.shown.setdefault(key, Shown.from_json(shown))
                    tally.add("up", day, key, up)
                    tally.add("down", day, key, down)
        return tally.report(top)

    async def close(self) -> None:
        """Close the connection; idempotent."""
        with self._lock:
            self._db.close()
