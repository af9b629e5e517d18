"""`python -m bot report` as a contract, and the feedback log under it (SQLite, no model).

The Redis side and what the bot itself stores are in tests/integration/telegram/test_feedback.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.dialogue import Engine
from bot.dialogue.answer import Answer, Answerer
from bot.dialogue.messages import info
from bot.feedback import Shown, normalise, open_feedback_log, vote_key
from bot.feedback import records as feedback_records
from bot.form import load_form
from bot.replies import DialogueState, Option, Turn

DAY = 86400.0
RETENTION = timedelta(days=30)
SHOWN = Shown(
    "Is Django good for real-time apps?",
    (("wins.django.watch", "Where Each Wins > Django > Watch out for"),),
    "Where Each Wins > Django",
)


async def _fill(url: str, clock: float) -> None:
    log = open_feedback_log(url, RETENTION, clock=lambda: clock)
    try:
        for _ in range(3):
            await log.declined("Should we use Koa?")
        await log.declined("  how do I tune PostgreSQL  ")
        await log.asked("Where Each Wins > Django")
        await log.asked("Where Each Wins > Django")
        await log.asked("Decision Heuristics")
        await log.vote(SHOWN, up=False)
        await log.vote(SHOWN, up=False)
        await log.vote(SHOWN, up=True)
    finally:
        await log.close()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["report", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An SQLite feedback log with records from today and from ten days ago."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    monkeypatch.setenv("STORAGE_URL", url)
    now = time.time()
    asyncio.run(_fill(url, now))
    asyncio.run(_old(url, now - 10 * DAY))
    return url


async def _old(url: str, clock: float) -> None:
    log = open_feedback_log(url, RETENTION, clock=lambda: clock)
    try:
        await log.declined("does the article cover Elixir?")
        await log.asked("The Bottom Line")
    finally:
        await log.close()


def test_report_json_has_the_contract_keys_and_counts(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["--json"], capsys)
    assert status == 0, err
    data = json.loads(out)
    assert {"declined", "disliked", "topics"} <= set(data)
    assert data["declined"][0] == {"question": "should we use koa", "count": 3}
    assert {"question": "how do i tune postgresql", "count": 1} in data["declined"]
    assert {"question": "does the article cover elixir", "count": 1} in data["declined"]
    (disliked,) = data["disliked"]
    assert {"question", "passages", "count"} <= set(disliked)
    assert disliked["question"] == "is django good for real-time apps"
    assert disliked["count"] == 2 and disliked["up"] == 1
    assert disliked["passages"] == [
        {"id": "wins.django.watch", "section": "Where Each Wins > Django > Watch out for"}
    ]
    assert data["topics"][0] == {"topic": "Where Each Wins > Django", "count": 2}


def test_report_text_names_each_list(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([], capsys)
    assert status == 0
    assert "Declined questions" in out and "should we use koa" in out
    assert "Disliked answers" in out and "is django good for real-time apps" in out
    assert "shown: wins.django.watch (Where Each Wins > Django > Watch out for)" in out
    assert "Most asked topics" in out and "Where Each Wins > Django" in out


def test_since_keeps_only_the_last_days(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["--json", "--since", "7"], capsys)
    recent = json.loads(out)
    assert "does the article cover elixir" not in [d["question"] for d in recent["declined"]]
    assert "The Bottom Line" not in [t["topic"] for t in recent["topics"]]
    assert recent["declined"][0]["count"] == 3
    _, out, _ = run(["--json", "--since", "11"], capsys)
    longer = json.loads(out)
    assert "does the article cover elixir" in [d["question"] for d in longer["declined"]]
    _, out, _ = run(["--since", "7"], capsys)
    assert "the last 7 day(s)" in out and "elixir" not in out


def test_an_empty_store_gives_a_clear_empty_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    monkeypatch.setenv("STORAGE_URL", url)
    asyncio.run(open_feedback_log(url, RETENTION).close())  # the tables, no rows
    status, out, _ = run([], capsys)
    assert status == 0
    assert "nothing recorded yet" in out
    status, out, _ = run(["--json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["declined"] == data["disliked"] == data["topics"] == []


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://db/x", "scheme 'postgres' is not supported"),
        ("sqlite:///", "needs a file path"),
        ("sqlite:///no/such/state.sqlite3", "no SQLite database at no/such/state.sqlite3"),
        ("memory://", "memory:// keeps nothing"),
        ("redis://127.0.0.1:1/0", "cannot reach Redis from STORAGE_URL"),
    ],
)
def test_a_bad_storage_url_is_one_error_line_and_exit_2(
    url: str,
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORAGE_URL", url)
    status, out, err = run([], capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("error: ") and says in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "no").exists(), "the report must not create a database"


def test_bad_arguments_are_refused(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["--since", "0"], capsys)
    assert status == 2 and "--since must be at least 1" in err


def test_normalised_questions_and_stable_keys() -> None:
    assert normalise("  Should   we use KOA?! ") == "should we use koa"
    assert normalise("x\x00\x07y") == "xy"
    assert len(normalise("a" * 5000)) == feedback_records.MAX_QUESTION
    assert vote_key("Is Django OK?", ["a"]) == vote_key("is django ok", ["a"])
    assert vote_key("is django ok", ["a"]) != vote_key("is django ok", ["b"])


def test_each_day_holds_a_bounded_number_of_distinct_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedback_records, "MAX_DISTINCT_PER_DAY", 3)
    monkeypatch.setattr("bot.feedback.sqlite_log.MAX_DISTINCT_PER_DAY", 3)
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"

    async def scenario() -> list[tuple[str, int]]:
        log = open_feedback_log(url, RETENTION)
        for n in range(10):
            await log.declined(f"question {n}")
        await log.declined("question 0")  # an existing one still counts
        report = await log.report()
        await log.close()
        return [(c.text, c.count) for c in report.declined]

    assert asyncio.run(scenario()) == [("question 0", 2), ("question 1", 1), ("question 2", 1)]


def test_days_past_the_retention_are_deleted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    now = time.time()

    async def scenario() -> list[str]:
        old = open_feedback_log(url, timedelta(days=2), clock=lambda: now - 5 * DAY)
        await old.declined("old question")
        await old.close()
        log = open_feedback_log(url, timedelta(days=2), clock=lambda: now)
        await log.declined("new question")  # the day's first write prunes
        report = await log.report()
        await log.close()
        return [c.text for c in report.declined]

    assert asyncio.run(scenario()) == ["new question"]
    import sqlite3

    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM feedback_declined").fetchone() == (1,)


# -- what the engine marks for the log (fake model: control flow only) -------------------------


class _Retriever:
    def search(self, query, k=3, *, vector=None):  # type: ignore[no-untyped-def]
        return None


class _Embedder:
    name, dim = "fake", 8

    def encode(self, texts):  # type: ignore[no-untyped-def]
        import numpy as np

        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)


class _Answerer:
    def __init__(self, kb) -> None:  # type: ignore[no-untyped-def]
        self.real = Answerer(kb, _Retriever())  # type: ignore[arg-type]

    def answer(self, text, vector=None, k=3) -> Answer:  # type: ignore[no-untyped-def]
        return Answer(text, info("no"), "decline", False)

    def comparison(self, first, second, question=""):  # type: ignore[no-untyped-def]
        return self.real.comparison(first, second, question)


def test_picks_and_comparisons_are_votable_and_name_what_they_showed(kb, repo) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(
        kb,
        load_form(repo / "intents"),
        _Embedder(),
        _Retriever(),
        answerer=_Answerer(kb),  # type: ignore[arg-type]
    )
    _, replies = engine.handle(
        DialogueState(), Turn(command="compare", text="Spring Boot vs Django")
    )
    asked = replies[0].asked
    assert asked is not None and asked.votable and not asked.declined
    assert asked.topic == "Compare: Django vs Spring Boot"
    assert asked.question == "Spring Boot vs Django" and asked.passages

    state, replies = engine.handle(DialogueState(), Turn(command="recommend", text=""))
    for _ in range(12):
        if replies[-1].kind == "recommendation":
            break
        state, replies = engine.handle(state, Turn(option=Option("Skip", "skip"), step=state.step))
    pick = replies[-1]
    assert pick.kind == "recommendation"
    assert pick.asked is not None and pick.asked.votable
    assert pick.asked.topic.startswith("Recommendation: ")
    assert pick.asked.passages, "a pick cites the passages its reasons come from"

    _, replies = engine.handle(DialogueState(), Turn(command="ask", text="Is Elixir good?"))
    assert replies[0].asked is not None and replies[0].asked.declined
