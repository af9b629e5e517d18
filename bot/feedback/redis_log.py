"""The feedback log in the bot's Redis (STORAGE_URL redis://...), beside the `fsm:` keys.

One hash per kind and UTC day, `feedback:<kind>:<YYYY-MM-DD>` (kinds: declined, topics,
shown, up, down), each expiring `retention` after its day ends; no key or field names a user
or a chat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.feedback.records import (
    MAX_DISTINCT_PER_DAY,
    FeedbackStorageError,
    Report,
    Shown,
    Tally,
    day_of,
    expires_at,
    first_day,
    normalise,
    oldest_kept,
)

PREFIX = "feedback"
_KINDS = ("declined", "topics", "shown", "up", "down")


class RedisFeedbackLog:
    """The feedback log in Redis hashes, one per kind and day."""

    def __init__(
        self, url: str, retention: timedelta, *, clock: Callable[[], float] = time.time
    ) -> None:
        from redis.asyncio import Redis

        self.retention = retention
        self._clock = clock
        self.redis: Any = Redis.from_url(url, decode_responses=True)

    def _key(self, kind: str, day: str) -> str:
        return f"{PREFIX}:{kind}:{day}"

    async def _room(self, key: str, field: str) -> bool:
        """Whether `field` may be counted in `key`: it is there, or the day has room left.

        Two replicas may both see room for the last name: the bound is soft by a few entries.
        """
        if await self.redis.hexists(key, field):
            return True
        return int(await self.redis.hlen(key)) < MAX_DISTINCT_PER_DAY

    async def _bump(self, kind: str, field: str) -> None:
        day = day_of(self._clock())
        key = self._key(kind, day)
        if not await self._room(key, field):
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, field, 1)
            pipe.expireat(key, expires_at(day, self.retention))
            await pipe.execute()

    async def declined(self, question: str) -> None:
        """Count a question the article does not cover (normalised)."""
        text = normalise(question)
        if text:
            await self._bump("declined", text)

    async def asked(self, topic: str) -> None:
        """Count an answer under its topic."""
        if topic:
            await self._bump("topics", topic[:200])

    async def vote(self, shown: Shown, up: bool) -> None:
        """Record a 👍 or 👎 on `shown` (what was shown is kept once per day)."""
        day = day_of(self._clock())
        key = shown.key
        counts = self._key("up" if up else "down", day)
        shown_key = self._key("shown", day)
        if not await self._room(shown_key, key):
            return
        expiry = expires_at(day, self.retention)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(shown_key, key, shown.to_json())
            pipe.hincrby(counts, key, 1)
            pipe.expireat(shown_key, expiry)
            pipe.expireat(counts, expiry)
            await pipe.execute()

    async def report(self, since_days: int | None = None, top: int = 10) -> Report:
        """The report over the last `since_days` days (None: every day kept)."""
        now = self._clock()
        start = max(first_day(now, since_days) or "", oldest_kept(now, self.retention))
        try:
            keys = [k async for k in self.redis.scan_iter(match=f"{PREFIX}:*", count=1000)]
        except Exception as exc:  # redis raises ConnectionError, TimeoutError, OSError kinds
            raise FeedbackStorageError(
                f"cannot reach Redis from STORAGE_URL ({type(exc).__name__})"
            ) from None
        tally = Tally()
        for key in sorted(keys):
            _, kind, day = [*key.split(":", 2), "", ""][:3]
            if kind not in _KINDS or day < start:
                continue
            values: dict[str, str] = await self.redis.hgetall(key)
            if kind == "shown":
                for name, text in values.items():
                    tally.shown.setdefault(name, Shown.from_json(text))
                continue
            for name, count in values.items():
                tally.add(kind, day, name, int(count))
        return tally.report(top)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.redis.aclose()
