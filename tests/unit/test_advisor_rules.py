"""Decision-level and property tests over the rule table (knowledge/rules.yaml, needs.yaml).

No model: needs are given by id, as the detector would find them. Properties run over every
form (each slot unknown or one of its values) where that is cheap, else over a fixed-seed
sample of forms (hypothesis is not a dependency).
"""

from __future__ import annotations

import itertools
import random

import pytest

from bot.advisor import Advisor, Scorer, StatedNeed
from bot.form import FormSpec, load_form
from bot.knowledge import KnowledgeBase

LANGUAGE = "team_language"


@pytest.fixture(scope="module")
def spec(repo) -> FormSpec:
    return load_form(repo / "intents")


@pytest.fixture(scope="module")
def scorer(kb, spec) -> Scorer:
    return Scorer(kb, spec)


@pytest.fixture(scope="module")
def advisor(kb, spec, scorer) -> Advisor:
    return Advisor(kb, spec, scorer)


@pytest.fixture(scope="module")
def forms(spec) -> list[dict[str, str]]:
    choices = [(None, *slot.values) for slot in spec.slots]
    return [
        {slot.name: value for slot, value in zip(spec.slots, combo, strict=True) if value}
        for combo in itertools.product(*choices)
    ]


def _sample(forms: list[dict[str, str]], n: int, seed: int = 13) -> list[dict[str, str]]:
    return random.Random(seed).sample(forms, n)


def _family(kb: KnowledgeBase, fid: str) -> str:
    return kb.frameworks[fid].family


# -- decisions the issue asks about ---------------------------------------------------------


def test_typescript_team_building_a_content_site_keeps_its_language(advisor, kb) -> None:
    # Team skills first: Node (NestJS), Django the best of the rest, and "if your team knew
    # Python: Django" among what would change the pick.
    rec = advisor.recommend({LANGUAGE: "js_ts", "workload": "content"})
    assert _family(kb, rec.pick.id) == "node"
    others = [f for f in rec.totals if _family(kb, f) != "node"]
    assert max(others, key=lambda f: rec.totals[f]) == "django"
    assert any(c.slot == LANGUAGE and c.pick == "django" for c in rec.changes)


def test_python_team_that_needs_real_time_gets_fastapi(advisor) -> None:
    # Modern async Python (underrated.fastapi); heavy concurrency is Django's watch-out.
    rec = advisor.recommend({LANGUAGE: "python", "workload": "realtime"})
    assert rec.pick.id == "fastapi"
    assert rec.runner_up.id == "django"
    assert "wins.django.watch.concurrency" in {r.source for r in rec.reasons}


def test_the_two_exceptions_the_article_makes(advisor, kb, spec) -> None:
    for language in spec.slot(LANGUAGE).values:
        # CPU-heavy work is Node's watch-out, whatever the team knows.
        rec = advisor.recommend({LANGUAGE: language, "workload": "cpu_heavy"})
        assert _family(kb, rec.pick.id) != "node", language
        # Raw throughput on simple HTTP services: "consider Go or Rust instead".
        both = {LANGUAGE: language, "workload": "simple_http", "priority": "throughput"}
        assert advisor.recommend(both).pick.id in ("go", "rust"), language


# -- properties of the rule table -------------------------------------------------------------


def test_team_skills_come_first(scorer, kb, spec, forms) -> None:
    """With a language stated, the pick is written in it, unless one of the two exceptions."""
    for slots in forms:
        language = slots.get(LANGUAGE)
        if language not in scorer.written_in:
            continue
        if slots.get("workload") == "cpu_heavy" and language == "js_ts":
            continue
        if slots.get("workload") == "simple_http" and slots.get("priority") == "throughput":
            continue
        assert scorer.score(slots).pick in scorer.written_in[language], slots


def test_team_skills_come_first_with_any_one_need(scorer, kb, forms) -> None:
    exceptions = {"raw-throughput", "cpu-heavy"}
    for slots in _sample(forms, 400):
        language = slots.get(LANGUAGE)
        if language not in scorer.written_in or slots.get("workload") in ("cpu_heavy",):
            continue
        if slots.get("workload") == "simple_http" and slots.get("priority") == "throughput":
            continue
        for need in set(kb.needs) - exceptions:
            pick = scorer.score(slots, [need]).pick
            assert pick in scorer.written_in[language], (slots, need)


def test_a_need_never_lowers_the_frameworks_it_favours(scorer, kb, forms) -> None:
    rng = random.Random(7)
    ids = sorted(kb.needs)
    for slots in _sample(forms, 600):
        for need in ids:
            others = rng.sample([n for n in ids if n != need], rng.randint(0, 3))
            without = scorer.score(slots, others).totals
            with_it = scorer.score(slots, [*others, need]).totals
            for fid in kb.needs[need].favours:
                assert with_it[fid] >= without[fid], (slots, others, need, fid)


def test_every_need_is_tied_to_what_it_favours(kb) -> None:
    """A need fires at least one rule, and only rules that do not argue against its favours."""
    for need in kb.needs.values():
        rules = [r for r in kb.rules if need.id in r.needs]
        assert rules, need.id
        for rule in rules:
            assert all(rule.effects.get(f, 0) >= 0 for f in need.favours), (need.id, rule.id)


def test_an_excluded_language_is_never_picked(scorer, advisor, spec, forms) -> None:
    languages = [v for v in spec.slot(LANGUAGE).values if v in scorer.written_in]
    ruled_out_sets = [[v] for v in languages] + [
        list(p) for p in itertools.combinations(languages, 2)
    ]
    for slots in _sample(forms, 800):
        for ruled_out in ruled_out_sets:
            if slots.get(LANGUAGE) in ruled_out:
                continue  # a value both given and ruled out never reaches the advisor
            negated = {LANGUAGE: ruled_out}
            banned = set().union(*(scorer.written_in[v] for v in ruled_out))
            excluded = scorer.excluded(negated)
            assert scorer.score(slots, (), excluded).pick not in banned, (slots, ruled_out)
    for slots in _sample(forms, 60, seed=3):
        for ruled_out in ruled_out_sets[:5]:
            if slots.get(LANGUAGE) in ruled_out:
                continue
            negated = {LANGUAGE: ruled_out}
            banned = set().union(*(scorer.written_in[v] for v in ruled_out))
            assert advisor.recommend(slots, negated).pick.id not in banned
            assert scorer.status(slots, [], negated).pick not in banned


def test_a_framework_ruled_out_by_name_is_never_picked(advisor, kb, forms) -> None:
    for slots in _sample(forms, 150):
        pick = advisor.recommend(slots).pick.id
        again = advisor.recommend(slots, excluded=[pick])
        assert again.pick.id != pick
        assert pick not in {c.pick for c in again.changes}


def test_picks_cite_enough_passages(advisor, forms) -> None:
    """Go and Rust picks cite at least one passage, every other pick at least two."""
    for slots in [*_sample(forms, 400), {}]:
        rec = advisor.recommend(slots)
        cited = {r.source for r in rec.reasons}
        assert len(cited) >= (1 if rec.pick.id in ("go", "rust") else 2), (slots, rec.reasons)


def test_every_heuristic_and_underrated_option_is_reachable_from_needs_alone(advisor, kb) -> None:
    """No slot at all: the need whose passage is a heuristic or an underrated option picks one
    of the frameworks that passage names, and the reason quotes the user's words."""
    passages = {
        p.id for p in kb.passages if p.role in ("heuristic", "underrated") and p.kind == "bullet"
    }
    reached = set()
    for need in kb.needs.values():
        frameworks = kb.passage(need.passage).frameworks if need.passage in passages else ()
        if not set(need.favours) & set(frameworks):
            continue  # not a need the passage argues for ("unopinionated" reads it in reverse)
        rec = advisor.recommend({}, needs=[StatedNeed(need.id, "in my own words")])
        assert rec.pick.id in kb.passage(need.passage).frameworks, (need.id, rec.pick.id)
        assert any(r.text.startswith('You said "in my own words" →') for r in rec.reasons)
        reached.add(need.passage)
    assert reached == passages
