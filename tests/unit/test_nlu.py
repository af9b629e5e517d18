"""Slot extraction (pure regex over intents/slots.yaml) and intents/ validation."""

from __future__ import annotations

import itertools
import shutil

import pytest

from bot.datafile import DataError
from bot.form import load_form
from bot.nlu import SlotExtractor


@pytest.fixture(scope="module")
def extractor(repo) -> SlotExtractor:
    return SlotExtractor(load_form(repo / "intents"))


@pytest.mark.parametrize(
    ("text", "values"),
    [
        (
            "we're three Python devs building a content-heavy site",
            {"team_language": "python", "team_size": "small", "workload": "content"},
        ),
        ("TS", {"team_language": "js_ts"}),
        ("golang", {"team_language": "go"}),
        ("Spring shop", {"team_language": "jvm"}),
        ("we use Python and Java", {"team_language": "mixed"}),
        ("startup time matters", {"deployment": "serverless"}),
    ],
)
def test_extracts_slots(extractor: SlotExtractor, text: str, values: dict) -> None:
    assert extractor.extract(text).values == values


def test_negation(extractor: SlotExtractor) -> None:
    got = extractor.extract("Python, not Java; we don't need an admin")
    assert got.values == {"team_language": "python"}
    assert got.negated == {"team_language": ["jvm"], "workload": ["content"]}


def test_one_phrase_fills_one_slot(extractor: SlotExtractor) -> None:
    got = extractor.extract("raw throughput on simple HTTP services")
    spans = [(m.start, m.end) for m in got.matches]
    assert len(spans) == len(set(spans)) == 2
    for (_a, b), (c, _d) in itertools.pairwise(spans):
        assert b <= c


def test_pending_slot_accepts_short_answers(extractor: SlotExtractor) -> None:
    assert extractor.extract("5", pending="team_size").values == {"team_size": "small"}
    assert extractor.extract("go", pending="team_language").values == {"team_language": "go"}
    assert extractor.extract("go").values == {}


def test_broken_intents_yaml_names_file_and_line(tmp_path, repo) -> None:
    shutil.copytree(repo / "intents", tmp_path / "intents")
    slots = tmp_path / "intents" / "slots.yaml"
    slots.write_text(slots.read_text().replace("label: Python\n", "label: " + "P" * 40 + "\n"))
    with pytest.raises(DataError) as err:
        load_form(tmp_path / "intents")
    assert str(err.value).startswith(f"{slots}:")
    assert "longer than 32" in str(err.value)
