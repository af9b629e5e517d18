"""The free-text conversations of tests/conversations/answers.yaml, for every adapter's test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ANSWERS = Path(__file__).resolve().parent.parent / "conversations" / "answers.yaml"


def typed_conversations() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(name, [(user text, expected fragments)]) for each conversation typed in free text."""
    out = []
    for conv in yaml.safe_load(ANSWERS.read_text())["conversations"]:
        turns: list[dict[str, Any]] = conv["turns"]
        if all("user" in t for t in turns):
            out.append((conv["name"], [(t["user"], t["expect"].get("says", [])) for t in turns]))
    return out


def check_state(state: Any, expect: dict[str, Any], where: str) -> None:
    """The stored state's expectations of a conversation turn (slots, negated, skipped, mode,
    requested, pick), as the engine's runner and every adapter's check them."""
    fields = {
        "slots": state.slots,
        "negated": state.negated,
        "skipped": state.skipped,
        "mode": state.mode,
        "requested": state.requested_slot,
    }
    for key, value in fields.items():
        if key in expect:
            assert value == expect[key], where
    if "pick" in expect:
        assert state.last_pick in expect["pick"], where
