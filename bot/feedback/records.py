"""What the feedback log keeps, how a question is normalised, and how a report is summed.

Records are counts per UTC day, never per user: a declined question's normalised text, the
topic an answer counted under, and for a vote the question, the passages shown and the
number of 👍 and 👎. Day buckets make `report --since DAYS` possible and let old ones expire.
"""

from __future__ import annotations

import hashlib
import json
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

# A question longer than this is cut: a report line, not an archive of what people typed.
MAX_QUESTION = 200
# New distinct questions, votes or topics per day and kind beyond this are not stored (an
# existing one still counts): about 1000 x 200 bytes x 3 kinds, 0.6 MB a day at most, however
# many people (or a flood) write.
MAX_DISTINCT_PER_DAY = 1000
# Punctuation around a question changes nothing about what was asked.
_STRIP = " \t\n?!.,;:¿¡…\"'«»“”‘’()[]"


class FeedbackStorageError(Exception):
    """The storage named by STORAGE_URL cannot hold or give the feedback log."""


def normalise(text: str) -> str:
    """`text` as the log keeps it: NFKC, case-folded, one space between words, cut at 200."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join(text.split()).strip(_STRIP)
    # Control characters (a forged update) would garble the report's lines.
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    return text[:MAX_QUESTION]


def vote_key(question: str, passages: Iterable[str]) -> str:
    """A short stable name for (normalised question, passage ids shown): 16 hex characters."""
    raw = "\x1f".join((normalise(question), *passages))
    return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest()


def day_of(timestamp: float) -> str:
    """The UTC day of a Unix time, as YYYY-MM-DD (the log's buckets)."""
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def first_day(now: float, since_days: int | None) -> str | None:
    """The oldest day `--since DAYS` includes (today counts as one); None for every day."""
    if since_days is None:
        return None
    return day_of(now - (since_days - 1) * 86400)


def oldest_kept(now: float, retention: timedelta) -> str:
    """The oldest day still kept: a day expires `retention` after it ends."""
    return day_of(now - retention.total_seconds())


def expires_at(day: str, retention: timedelta) -> int:
    """The Unix time a day's records expire: `retention` after the day's end."""
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    return int((start + timedelta(days=1) + retention).timestamp())


@dataclass(frozen=True, slots=True)
class Shown:
    """An answer or pick a vote is about: the question and the (id, section) passages shown."""

    question: str
    passages: tuple[tuple[str, str], ...]
    topic: str = ""

    @property
    def key(self) -> str:
        """The record's name in the log (see vote_key)."""
        return vote_key(self.question, (pid for pid, _ in self.passages))

    def to_json(self) -> str:
        """The record as stored beside its vote counts."""
        return json.dumps(
            {
                "question": normalise(self.question),
                "passages": [list(p) for p in self.passages],
                "topic": self.topic,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Shown:
        """The record stored by to_json; an empty one when unreadable."""
        try:
            raw = json.loads(text)
            passages = tuple((str(p[0]), str(p[1])) for p in raw.get("passages", []))
            return cls(str(raw.get("question", "")), passages, str(raw.get("topic", "")))
        except (ValueError, TypeError, AttributeError, IndexError):
            return cls("", ())


@dataclass(frozen=True, slots=True)
class Counted:
    """A declined question or a topic, and how many times it came."""

    text: str
    count: int


@dataclass(frozen=True, slots=True)
class Voted:
    """An answer voted on: what was shown, and its 👍 and 👎 counts."""

    shown: Shown
    up: int
    down: int


@dataclass(slots=True)
class Tally:
    """Rows read from the log for some days, summed per question, record and topic."""

    declined: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    shown: dict[str, Shown] = field(default_factory=dict)
    up: dict[str, int] = field(default_factory=dict)
    down: dict[str, int] = field(default_factory=dict)
    days: set[str] = field(default_factory=set)

    def add(self, kind: str, day: str, name: str, count: int) -> None:
        """Add one stored count: `kind` is declined, topics, up or down."""
        table: dict[str, int] = getattr(self, kind)
        table[name] = table.get(name, 0) + count
        self.days.add(day)

    def report(self, top: int) -> Report:
        """The `top` most frequent of each list, most frequent first (ties: alphabetical)."""

        def ranked(counts: dict[str, int]) -> list[Counted]:
            order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            return [Counted(text, n) for text, n in order[:top] if n > 0]

        voted = [
            Voted(self.shown.get(key, Shown("", ())), self.up.get(key, 0), self.down.get(key, 0))
            for key in set(self.up) | set(self.down)
        ]
        disliked = sorted(
            (v for v in voted if v.down), key=lambda v: (-v.down, -v.up, v.shown.question)
        )
        liked = sorted((v for v in voted if v.up), key=lambda v: (-v.up, v.down, v.shown.question))
        return Report(
            declined=ranked(self.declined),
            disliked=disliked[:top],
            liked=liked[:top],
            topics=ranked(self.topics),
            days=(min(self.days), max(self.days)) if self.days else None,
        )


@dataclass(frozen=True, slots=True)
class Report:
    """The owner's view: declined questions, disliked and liked answers, topics."""

    declined: list[Counted]
    disliked: list[Voted]
    liked: list[Voted]
    topics: list[Counted]
    days: tuple[str, str] | None  # the first and last day with records, None when empty

    @property
    def empty(self) -> bool:
        """True when nothing was recorded in the days asked for."""
        return not (self.declined or self.disliked or self.liked or self.topics)


class FeedbackLog(Protocol):
    """Where votes, declined questions and topic counts go: SQLite or Redis (no user ids)."""

    async def declined(self, question: str) -> None:
        """Count a question the article does not cover."""
        ...

    async def asked(self, topic: str) -> None:
        """Count an answered question (or a pick) under its topic."""
        ...

    async def vote(self, shown: Shown, up: bool) -> None:
        """Record a 👍 (`up`) or 👎 on what was shown."""
        ...

    async def report(self, since_days: int | None = None, top: int = 10) -> Report:
        """The report over the last `since_days` days (today counts as one; None: all kept)."""
        ...

    async def close(self) -> None:
        """Release the connection."""
        ...
