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
        # Two cues (an API, a mobile app) never outvote one synonym (an admin).
        ("a REST API for the mobile app plus an admin", {"workload": "content"}),
    ],
)
def test_extracts_slots(extractor: SlotExtractor, text: str, values: dict) -> None:
    assert extractor.extract(text).values == values


def test_negation(extractor: SlotExtractor) -> None:
    got = extractor.extract("Python, not Java; we don't need an admin")
    assert got.values == {"team_language": "python"}
    assert got.negated == {"team_language": ["jvm"], "workload": ["content"]}


def test_one_phrase_fills_one_value_per_slot(extractor: SlotExtractor) -> None:
    got = extractor.extract("raw throughput on simple HTTP services")
    spans = [(m.start, m.end) for m in got.matches]
    assert len(spans) == len(set(spans)) == 2
    for (_a, b), (c, _d) in itertools.pairwise(spans):
        assert b <= c


def test_one_phrase_can_fill_two_slots(extractor: SlotExtractor) -> None:
    got = extractor.extract("an async Python API")
    assert got.values == {"team_language": "python", "workload": "io_api"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Tools, files, editors, stacks and backgrounds are cues for the language.
        ("poetry and pytest, three devs", "python"),
        ("yarn, jest and eslint", "js_ts"),
        ("Gradle builds in IntelliJ", "jvm"),
        ("cargo and clippy", "rust"),
        ("go.mod and goroutines everywhere", "go"),
        ("our .tsx files", "js_ts"),
        ("former data analysts", "python"),
        # A cue never outvotes a language named outright.
        ("Python team building the API for our React app", "python"),
        # Two languages named as the team's are a mixed team; a past or reported one is not.
        ("our devs know TypeScript and a little Go", "mixed"),
        ("all writing TypeScript; our CTO used to do Java", "js_ts"),
        ("Python devs; someone told us Node is best", "python"),
        # Languages no option holds mean no common language among the options.
        ("a PHP veteran and two .NET developers", "mixed"),
        ("one Rust dev who came from C++", "rust"),
    ],
)
def test_language_from_cues(extractor: SlotExtractor, text: str, language: str) -> None:
    assert extractor.extract(text).values.get("team_language") == language


def test_what_was_said_is_kept_per_value(extractor: SlotExtractor) -> None:
    got = extractor.extract("we use poetry and pytest, and the API serves a mobile app")
    assert got.said["team_language"] == "poetry and pytest"
    assert got.values["workload"] == "io_api"


def test_negation_scope(extractor: SlotExtractor) -> None:
    # A negation about hiring rules no language out, and does not make it the team's.
    assert extractor.extract("we can't hire Rust people").values == {"priority": "hiring"}
    assert not extractor.extract("we can't hire Rust people").negated
    # A ruled-out cue rules nothing out: "skip Django" is not "not Python".
    assert not extractor.extract("skip Django").negated
    assert extractor.extract("Rust is off the table").negated == {"team_language": ["rust"]}
    # A subject that is nobody negates however far its verb is; hiring still breaks it.
    got = extractor.extract("nobody on the team knows Java; we write TypeScript")
    assert got.values == {"team_language": "js_ts"}
    assert got.negated == {"team_language": ["jvm"]}
    assert not extractor.extract("nobody can find Go developers here").negated
    # Refusing to build it by hand is wanting it built in.
    got = extractor.extract("we don't want to write admin screens by hand")
    assert got.values == {"workload": "content"} and not got.negated


def test_a_language_ruled_out_makes_no_mixed_team(extractor: SlotExtractor) -> None:
    got = extractor.extract("our Java devs are moving to TypeScript and want to work without Java")
    assert got.values == {"team_language": "js_ts"}
    assert extractor.extract("we use Python and Java").values == {"team_language": "mixed"}


def test_curly_apostrophes_read_like_straight_ones(extractor: SlotExtractor) -> None:
    # Phone keyboards type U+2019: "don’t" must negate and "I’m" must match its phrase.
    got = extractor.extract("we don\u2019t want Java, I\u2019m the only developer")
    assert got.negated == {"team_language": ["jvm"]}
    assert got.values == {"team_size": "solo"}
    # The words quoted back are the user's own, apostrophe included.
    assert got.said["team_size"] == "I\u2019m the only developer"


def test_everyday_words_and_ordinary_nouns(extractor: SlotExtractor) -> None:
    # Tool forms name a language; the ordinary words inside them do not.
    assert extractor.extract("cargo build and clippy").values == {"team_language": "rust"}
    assert extractor.extract("we track cargo for shipping firms").values == {}
    assert extractor.extract("ready before the Black Friday rush").values == {}
    # A lifespan said as a duration to come, not one in the past.
    assert extractor.extract("it only has to last a few months").values == {
        "lifespan": "prototype"
    }
    assert "lifespan" not in extractor.extract("we've used Django for 6 months").values
    # The people a team came from.
    assert extractor.extract("our Android folks").values == {"team_language": "jvm"}


def test_a_past_marker_qualifies_only_what_follows_it_closely(extractor: SlotExtractor) -> None:
    # "ex-" puts the Rails devs in the past, not the shop they will build.
    got = extractor.extract("our ex-Rails devs will build an online shop")
    assert got.values["workload"] == "content"
    # "now" brings the clause back to the present: a Go team that once wrote Java.
    assert extractor.extract("our former Java developers now write Go").values == {
        "team_language": "go"
    }
    assert extractor.extract("the legacy app is in Java, we are Python people").values == {
        "team_language": "python"
    }
    # What exists now is not who builds the new one; "our current stack" still is the team's.
    got = extractor.extract("the current system is a Java monolith but the new team knows Node")
    assert got.values == {"team_language": "js_ts"}
    assert extractor.extract("our current stack is Java").values == {"team_language": "jvm"}


def test_how_long_the_team_has_known_it_is_no_lifespan(extractor: SlotExtractor) -> None:
    got = extractor.extract("we've been writing Scala for years, now we need serverless")
    assert got.values == {"team_language": "jvm", "deployment": "serverless"}
    assert extractor.extract("it has to run for years").values == {"lifespan": "multi_year"}
    assert extractor.extract("it has been running for years").values == {"lifespan": "multi_year"}
    # Years someone has are experience too.
    got = extractor.extract("everyone on the team has 10+ years of Java")
    assert got.values == {"team_language": "jvm"}
    assert extractor.extract("lifespan 15 years").values == {"lifespan": "multi_year"}


def test_a_skill_is_not_a_priority(extractor: SlotExtractor) -> None:
    # The priority slot is a wish (intents/slots.yaml `wish: true`): what a team is
    # comfortable with says what it can do; the language still counts.
    got = extractor.extract("we're all very comfortable with type hints and asyncio")
    assert got.values == {"team_language": "python"}
    assert extractor.extract("we have experience with monitoring and tracing").values == {}
    got = extractor.extract("we have experience with Django but type safety matters most")
    assert got.values["priority"] == "typing"


def test_frameworks_ruled_out_by_name(repo) -> None:
    from bot.knowledge import load_knowledge

    kb = load_knowledge(repo / "knowledge")
    names = {f.id: (f.name, *f.aliases) for f in kb.frameworks.values()}
    extractor = SlotExtractor(load_form(repo / "intents"), names)
    assert extractor.extract("skip Django, async Python").excluded == ["django"]
    got = extractor.extract("a Java house, but Spring Boot's memory appetite is off the table")
    assert "spring-boot" in got.excluded


def test_counts_of_teams(extractor: SlotExtractor) -> None:
    assert extractor.extract("four product teams").values == {"team_size": "several_teams"}
    assert extractor.extract("startup time matters").values == {"deployment": "serverless"}
    assert extractor.extract("we're a startup").values == {"team_size": "small"}


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


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("it calls a handful of third-party APIs", None),
        ("a couple of services behind one gateway", None),
        ("a small team of backend engineers", "small"),
        ("a handful of us", "small"),
        ("a large org of 300", "several_teams"),
        ("a small team", "small"),
        # Groups counted in words, a few words away; "many people" may be the users.
        ("many vendors and in-house teams work on it", "several_teams"),
        ("multiple feature squads", "several_teams"),
        ("many people will use it", None),
        # Informal people words count too.
        ("one guy, an MVP", "solo"),
        ("3 guys and a designer", "small"),
        # A department is where people sit, not how many they are.
        ("the IT department has 2 devs", "small"),
        ("4 students, a course project", "small"),
    ],
)
def test_a_team_size_word_counts_people_not_things(
    extractor: SlotExtractor, text: str, size: str | None
) -> None:
    assert extractor.extract(text).values.get("team_size") == size


def test_what_runs_long_is_no_lifespan(extractor: SlotExtractor) -> None:
    assert extractor.extract("we run long-lived containers").values == {"deployment": "containers"}
    assert extractor.extract("a long-lived system").values == {"lifespan": "multi_year"}


def test_a_terse_list_item_is_a_short_answer(extractor: SlotExtractor) -> None:
    got = extractor.extract("ts, edge, small")
    assert got.values == {"team_language": "js_ts", "workload": "edge", "team_size": "small"}
    # In a sentence the same words are no answers.
    assert extractor.extract("we are small, fast and python").values == {"team_language": "python"}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("me and my brother, an online store", {"team_size": "small", "workload": "content"}),
        ("the team is me plus two contractors", {"team_size": "small"}),
        ("it resizes product photos", {"workload": "cpu_heavy"}),
        ("we are transcoding user videos", {"workload": "cpu_heavy"}),
        # A phrase's verb in any tense.
        ("a nightly batch that crunches numbers", {"workload": "cpu_heavy"}),
        ("we shipped features weekly", {"priority": "delivery_speed"}),
        ("they validated the idea", {"lifespan": "prototype"}),
        # A determiner after a preposition, where the phrase was written without one.
        ("run logic close to the visitors", {"workload": "edge"}),
        # "metrics" a product shows are no operational maturity.
        ("a SaaS dashboard with live metrics", {"workload": "realtime"}),
    ],
)
def test_everyday_wordings_of_common_facts(
    extractor: SlotExtractor, text: str, values: dict
) -> None:
    assert extractor.extract(text).values == values


def test_a_dismissed_value_is_ruled_out(extractor: SlotExtractor) -> None:
    got = extractor.extract("performance is irrelevant for us")
    assert got.values == {}
    assert got.negated == {"priority": ["throughput"]}


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("the sole backend engineer, that's me", "solo"),
        ("I'm the only programmer on it", "solo"),
        ("the only developer tool we like", None),
        ("a trio of engineers", "small"),
        ("a pair of developers", "small"),
    ],
)
def test_one_person_or_a_few_in_other_words(
    extractor: SlotExtractor, text: str, size: str | None
) -> None:
    assert extractor.extract(text).values.get("team_size") == size


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("half of us came from an Android background", "jvm"),
        ("React veterans building an API", "js_ts"),
        ("a data science background", "python"),
    ],
)
def test_a_family_of_people_speaks_through_its_past(
    extractor: SlotExtractor, text: str, language: str
) -> None:
    assert extractor.extract(text).values.get("team_language") == language


@pytest.mark.parametrize(
    ("text", "asks", "states"),
    [
        (
            "we're 3 python devs, what should we use?",
            ["what should we use?"],
            ["we're 3 python devs"],
        ),
        ("scale to zero: is the jvm a bad idea", ["is the jvm a bad idea"], ["scale to zero"]),
        ("risks of npm dependencies", ["risks of npm dependencies"], []),
        ("my boss asks if spring is mature", ["my boss asks if spring is mature"], []),
        ("python team - realtime dashboard", [], ["python team", "realtime dashboard"]),
        ("good fit for I/O bound work?", ["good fit for ixo bound work"], []),
    ],
)
def test_clauses_split_questions_from_statements(text: str, asks: list, states: list) -> None:
    """Routing reads a message clause by clause: which ask, which state something."""
    from bot.text import clauses as _clauses

    questions, statements = _clauses(text)
    assert [c.strip(" ?") for _, c in questions] == [a.strip(" ?") for a in asks]
    assert [c.strip() for c in statements] == states


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
