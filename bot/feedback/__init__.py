"""The feedback log: votes, declined questions and topic counts, in the bot's own storage.

Storage-agnostic and free of aiogram: the Telegram adapter writes it, `python -m bot report`
reads it, both from STORAGE_URL. Nothing in it names a user or a chat.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from bot.config import storage_url_problem
from bot.feedback.records import (
    Counted,
    FeedbackLog,
    FeedbackStorageError,
    Report,
    Shown,
    Voted,
    normalise,
    vote_key,
)

__all__ = [
    "Counted",
    "FeedbackLog",
    "FeedbackStorageError",
    "Report",
    "Shown",
    "Voted",
    "normalise",
    "open_feedback_log",
    "vote_key",
]


def open_feedback_log(
    url: str,
    retention: timedelta,
    *,
    writable: bool = True,
    clock: Callable[[], float] = time.time,
) -> FeedbackLog:
    """The feedback log in the storage `url` names (FeedbackStorageError when it cannot be).

    `retention`: a day's records are deleted this long after the day ends. `writable=False`
    (the report) opens only a storage that exists and changes nothing in it.
    """
    problem = storage_url_problem(url)
    if problem:
        raise FeedbackStorageError(problem)
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        from bot.feedback.sqlite_log import SQLiteFeedbackLog

        # SQLAlchemy's convention, as the conversation storage reads it.
        path = url.removeprefix("sqlite:///")
        return SQLiteFeedbackLog(path, retention, writable=writable, clock=clock)
    if scheme in ("redis", "rediss", "unix"):
        from bot.feedback.redis_log import RedisFeedbackLog

        return RedisFeedbackLog(url, retention, clock=clock)
    if not writable:
        raise FeedbackStorageError("STORAGE_URL memory:// keeps nothing another process can read")
    from bot.feedback.sqlite_log import SQLiteFeedbackLog

    # memory:// (tests, throwaway runs): the log lives and dies with the process, like state.
    return SQLiteFeedbackLog(":memory:", retention, clock=clock)
