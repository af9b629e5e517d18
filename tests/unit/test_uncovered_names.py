"""Technologies the article doesn't cover: named as the user wrote them (issue 21)."""

from __future__ import annotations

import pytest

from bot.knowledge.mentions import mentioned_uncovered


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("is pocketbase production ready?", "pocketbase"),  # listed under Appwrite
        ("is valkey a drop-in for our cache?", "valkey"),  # listed under Redis
        ("is PocketBase production ready?", "PocketBase"),  # as typed
        ("is postgres ok for this?", "PostgreSQL"),  # a form of the name: the name
        ("should we build our API with Koa?", "Koa"),
        ("koa.js or express?", "Koa"),
    ],
)
def test_an_uncovered_technology_is_named_as_the_user_wrote_it_unless_its_alias_is_a_form_of_it(
    kb, text, name
):
    assert [n for n, _ in mentioned_uncovered(text, kb)] == [name]
