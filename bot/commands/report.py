"""`python -m bot report`: the owner's view of the feedback log in STORAGE_URL.

Reads the storage a running bot writes (SQLite or Redis) and changes nothing in it; loads no
model and no aiogram, so it answers in about a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from bot.config import Settings
from bot.errors import UserError
from bot.feedback import (
    Counted,
    FeedbackStorageError,
    Report,
    Voted,
    open_feedback_log,
)


async def _read(settings: Settings, since: int | None, top: int) -> Report:
    log = open_feedback_log(
        settings.resolved_storage_url(), settings.conversation_ttl, writable=False
    )
    try:
        return await log.report(since, top)
    finally:
        await log.close()


def _voted_json(voted: Voted, count: int) -> dict[str, Any]:
    return {
        "question": voted.shown.question,
        "passages": [{"id": pid, "section": section} for pid, section in voted.shown.passages],
        "topic": voted.shown.topic,
        "count": count,
        "up": voted.up,
        "down": voted.down,
    }


def report_json(report: Report, since: int | None) -> dict[str, Any]:
    """The `report --json` object: declined, disliked, liked, topics, and the days covered."""
    return {
        "since_days": since,
        "days": {"first": report.days[0], "last": report.days[1]} if report.days else None,
        "declined": [{"question": c.text, "count": c.count} for c in report.declined],
        "disliked": [_voted_json(v, v.down) for v in report.disliked],
        "liked": [_voted_json(v, v.up) for v in report.liked],
        "topics": [{"topic": c.text, "count": c.count} for c in report.topics],
    }


def _counted(lines: list[str], items: list[Counted]) -> None:
    lines += [f"  {c.count:>4}  {c.text}" for c in items] or ["  (none)"]


def _voted(lines: list[str], items: list[Voted], count: str) -> None:
    if not items:
        lines.append("  (none)")
    for v in items:
        lines.append(f"  {getattr(v, count):>4}  {v.shown.question or '(unreadable record)'}")
        lines += [f"        shown: {pid} ({section})" for pid, section in v.shown.passages[:5]]
        if len(v.shown.passages) > 5:
            lines.append(f"        ... and {len(v.shown.passages) - 5} more")
        lines.append(f"        votes: {v.up} up, {v.down} down")


def report_text(report: Report, since: int | None) -> str:
    """The report as the owner reads it in a terminal."""
    scope = f"the last {since} day(s)" if since else "every day kept"
    if report.empty:
        return (
            f"Feedback report ({scope}): nothing recorded yet. No declined questions, votes or "
            "topics are stored (is FEEDBACK_LOG off, or has nobody asked yet?)."
        )
    assert report.days is not None
    lines = [f"Feedback report ({scope}: {report.days[0]} to {report.days[1]}, UTC)", ""]
    lines.append("Declined questions (what the article lacks), most frequent first:")
    _counted(lines, report.declined)
    lines += ["", "Disliked answers (thumbs down), with what was shown:"]
    _voted(lines, report.disliked, "down")
    lines += ["", "Liked answers (thumbs up):"]
    _voted(lines, report.liked, "up")
    lines += ["", "Most asked topics:"]
    _counted(lines, report.topics)
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Print the feedback report (text or --json); exit status 0, 2 on a storage problem."""
    if args.since is not None and args.since < 1:
        raise UserError(f"report: --since must be at least 1 day, got {args.since}")
    if args.top < 1:
        raise UserError(f"report: --top must be at least 1, got {args.top}")
    try:
        report = asyncio.run(_read(settings, args.since, args.top))
    except FeedbackStorageError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        print(json.dumps(report_json(report, args.since), ensure_ascii=False))
    else:
        print(report_text(report, args.since))
    return 0
