"""The follow-up dialogues' dev split through the real engine and model: a ratchet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.evaluation import dialogues

pytestmark = pytest.mark.model

# Dev, 700 dialogues in eight blocks written blind, each measured untuned on arrival (0.873,
# 0.756, 0.750, 0.780, 0.910, 0.817, 0.825, 0.713) before anything was tuned on it: 0.950 now
# (665/700), with "did you mean" on 3. The eighth block (five personas: typos, group chat,
# terse, chatty, non-native) took it from 0.966 on 620 to 0.937; raise it with each gain. The
# frozen test split gets no floor: eval prints it.
DEV_RIGHT = 0.945
DEV_ASKED_BACK = 3


def test_the_dev_dialogues_hold_their_measured_figure(engine: Any, repo: Path) -> None:
    loaded = dialogues.load_dialogues(
        repo / "datasets" / "dialogues.dev.yaml", set(engine.kb.by_id), set(engine.kb.frameworks)
    )
    outcomes = dialogues.judge(engine, loaded)
    right = sum(o.right for o in outcomes) / len(outcomes)
    assert right >= DEV_RIGHT, "\n".join(dialogues.misses(outcomes))
    assert sum(o.asked_back for o in outcomes) <= DEV_ASKED_BACK
