"""The slot extractor's mechanisms and intents/ validation.

What a particular phrasing is read as is labelled in datasets/slot_utterances.dev.yaml (and
personas, questions), where `python -m bot eval` counts it; the text layer's own mechanisms
(negation scope, clauses, word forms) are tests/unit/test_text.py.
"""

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


def test_one_phrase_fills_one_value_per_slot(extractor: SlotExtractor) -> None:
    got = extractor.extract("raw throughput on simple HTTP services")
    spans = [(m.start, m.end) for m in got.matches]
    assert len(spans) == len(set(spans)) == 2
    for (_a, b), (c, _d) in itertools.pairwise(spans):
        assert b <= c


def test_what_was_said_is_kept_per_value(extractor: SlotExtractor) -> None:
    got = extractor.extract("we use poetry and pytest, and the API serves a mobile app")
    assert got.said["team_language"] == "poetry and pytest"
    assert got.values["workload"] == "io_api"


def test_the_words_quoted_back_are_the_users_own(extractor: SlotExtractor) -> None:
    # The text is read with straight apostrophes (same length), the quote taken from the
    # original: U+2019 stays.
    got = extractor.extract("we don\u2019t want Java, I\u2019m the only developer")
    assert got.negated == {"team_language": ["jvm"]}
    assert got.said["team_size"] == "I\u2019m the only developer"


def test_a_negated_phrase_rules_out_only_a_value_named_outright(extractor: SlotExtractor) -> None:
    # A synonym in a negation's scope rules its value out; a cue ("django" for Python) does not.
    assert extractor.extract("not Java").negated == {"team_language": ["jvm"]}
    assert not extractor.extract("not Django").negated


def test_frameworks_ruled_out_by_name(repo) -> None:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(repo / "knowledge")
    names = {f.id: (f.name, *f.aliases) for f in kb.frameworks.values()}
    extractor = SlotExtractor(load_form(repo / "intents"), names)
    assert extractor.extract("skip Django, async Python").excluded == ["django"]
    got = extractor.extract("Java, but Spring Boot's footprint is off the table")
    assert "spring-boot" in got.excluded


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


def test_a_need_read_from_a_slot_values_words_is_no_second_fact() -> None:
    """Routing counts facts: a need read from the clause a slot value came from restates it."""
    from bot.nlu.interpret import _new_needs
    from bot.nlu.matches import NeedMatch
    from bot.nlu.slots import Extraction, SlotMatch

    text = "blazing fast json endpoints, long-lived"
    need = NeedMatch("raw-throughput", "blazing fast json endpoints", "heuristics.throughput", 0.6)
    said = SlotMatch("priority", "throughput", 0, 12, "blazing fast")
    assert _new_needs(text, Extraction(matches=[said], needs=[need])) == 0
    later = SlotMatch("lifespan", "multi_year", 29, 39, "long-lived")
    assert _new_needs(text, Extraction(matches=[later], needs=[need])) == 1


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("everyone's a go dev now", "go"),
        ("I'm the only go developer", "go"),
        ("two go devs", "go"),
    ],
)
def test_a_people_phrase_reads_in_either_number(extractor: SlotExtractor, text, language) -> None:
    # The form lists "go devs" and "go developers"; "go" alone is a verb, so the number of
    # the people word must bend for "a go dev" to name the language.
    assert extractor.extract(text).values.get("team_language") == language
