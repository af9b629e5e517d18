"""Inline mode's pure parts: the share query, deep links, buttons, debounce and the limiter."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram.types import InlineQuery, Update, User
from support.fakes import FakeEmbedder

from bot.dialogue import Engine
from bot.dialogue.inline import QUERY_LIMIT, ShareCodec, SharedPick
from bot.form import load_form
from bot.replies import DialogueState, Option, Turn
from bot.telegram.keyboards import build_keyboard, link_keyboard
from bot.telegram.middlewares import SUPERSEDED, InlineDebounce, RateLimitMiddleware


class NoRetriever:
    def search(self, query: str, k: int = 3, *, vector: Any = None) -> Any:
        raise AssertionError("no retrieval expected")

    def relevance(self, query: str, vector: Any = None) -> dict[str, float]:
        return {}


@pytest.fixture(scope="module")
def spec(repo):
    return load_form(repo / "intents")


@pytest.fixture(scope="module")
def engine(kb, spec) -> Engine:
    return Engine(kb, spec, FakeEmbedder(), NoRetriever())


@pytest.fixture(scope="module")
def codec(kb, spec) -> ShareCodec:
    return ShareCodec(spec, kb)


def test_a_share_query_carries_the_answers_and_reads_back(codec: ShareCodec) -> None:
    state = DialogueState(
        mode="done",
        slots={"team_language": "python", "workload": "content", "team_size": "small"},
        negated={"deployment": ["serverless"]},
        needs={"batteries-included": "we need an admin panel"},
        excluded=["spring-boot"],
    )
    query = codec.encode(state)
    assert query == "pick: python content small !serverless +batteries-included -spring-boot"
    assert "admin panel" not in query  # the user's words never leave their chat
    assert codec.decode(query) == SharedPick(
        dict(state.slots), dict(state.negated), ["batteries-included"], ["spring-boot"]
    )
    assert codec.decode("PICK:  team_language=python") == SharedPick({"team_language": "python"})
    # Every question skipped: the advisor's default pick, still a share.
    assert codec.decode(codec.encode(DialogueState(mode="done"))) == SharedPick()


@pytest.mark.parametrize(
    "text",
    ["", "pick", "pick me a framework", "pick: python cobol", "pick: +no-such-need",
     "pick: -no-such-framework", "pick: team_size=python", "pick: !", "is django good?"],
)  # fmt: skip
def test_anything_else_is_not_a_share_query(codec: ShareCodec, text: str) -> None:
    assert codec.decode(text) is None


def test_a_share_query_fits_telegrams_limit_whatever_was_said(kb, codec: ShareCodec) -> None:
    state = DialogueState(
        slots={"team_language": "js_ts", "workload": "realtime"},
        needs={need: "words" for need in kb.needs},
        excluded=list(kb.frameworks)[:5],
    )
    query = codec.encode(state)
    assert len(query) <= QUERY_LIMIT
    assert query.startswith("pick: js_ts realtime +")
    assert codec.decode(query) is not None


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ("recommend", "What language does your team know best?"),
        ("ask", "Send me your question"),
        ("compare", "Which two?"),  # the third choice of /start's menu, like the other two
        ("compare-django-spring-boot", "Django vs Spring Boot"),
        ("compare-spring-boot-go", "Spring Boot vs Go"),
    ],
)
def test_deep_links_start_their_flow(engine: Engine, payload: str, says: str) -> None:
    _, replies = engine.handle(DialogueState(), Turn(command="start", text=payload))
    assert says in " ".join(p.text for r in replies for p in r.parts)


@pytest.mark.parametrize(
    "payload", ["x", "Recommend", "compare-", "compare-django", "compare-django-django", "ask-me"]
)
def test_an_unknown_deep_link_is_plain_start(engine: Engine, payload: str) -> None:
    plain = engine.handle(DialogueState(), Turn(command="start"))
    assert engine.handle(DialogueState(), Turn(command="start", text=payload)) == plain


def test_the_share_button_elsewhere_shows_the_summary(engine: Engine) -> None:
    """Where Share cannot switch to inline mode (the console), pressing it shows the summary."""
    share = Option("Share", "share", value="pick: python content small +batteries-included")
    _, (reply,) = engine.handle(DialogueState(step=5), Turn(option=share, step=1))
    text = " ".join(p.text for p in reply.parts)
    assert reply.parts[0].text == "Recommendation: Django"
    assert 'You said ""' not in text  # a shared need has no words to quote
    assert all(p.citation for p in reply.parts if p.style == "bullet")
    _, (nothing,) = engine.handle(DialogueState(), Turn(option=Option("Share", "share")))
    assert "No recommendation to share yet" in nothing.parts[0].text


def test_share_is_a_switch_inline_button_and_menu_options_become_deep_links() -> None:
    share = Option("Share", "share", value="pick: python")
    (row,) = build_keyboard([[share]], 3, {}).inline_keyboard  # type: ignore[union-attr]
    assert row[0].switch_inline_query == "pick: python" and row[0].callback_data is None
    rows = [[Option("Get a recommendation", "menu", value="recommend"), Option("x", "chart")]]
    (links,) = link_keyboard(rows, "advisor_bot").inline_keyboard  # type: ignore[union-attr]
    assert [b.url for b in links] == ["https://t.me/advisor_bot?start=recommend"]
    assert link_keyboard(rows, None) is None
    assert link_keyboard([[Option("x", "chart")]], "advisor_bot") is None


def _inline_update(update_id: int, user: int) -> Update:
    sender = User(id=user, is_bot=False, first_name="T")
    query = InlineQuery(id=str(update_id), from_user=sender, query="q", offset="")
    return Update(update_id=update_id, inline_query=query)


async def test_a_users_newer_query_supersedes_the_waiting_one() -> None:
    debounce = InlineDebounce(0.05)
    ran: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> str:
        ran.append(event.update_id)
        return "ok"

    results = await asyncio.gather(
        debounce(handler, _inline_update(1, 7), {}),
        debounce(handler, _inline_update(2, 7), {}),
        debounce(handler, _inline_update(3, 8), {}),
    )
    assert results == [SUPERSEDED, "ok", "ok"]
    assert sorted(ran) == [2, 3]
    assert not debounce.newest  # nothing kept once the queries have run


async def test_inline_queries_spend_the_users_flood_budget() -> None:
    limiter = RateLimitMiddleware(messages=2, seconds=10, clock=lambda: 0.0)
    ran: list[int] = []

    async def handler(event: Any, data: dict[str, Any]) -> None:
        ran.append(1)

    user = User(id=7, is_bot=False, first_name="T")
    for n in range(4):
        query = InlineQuery(id=str(n), from_user=user, query="q", offset="")
        await limiter(handler, query, {"event_from_user": user})
    assert len(ran) == 2  # the rest went unanswered (logged), no message sent anywhere
