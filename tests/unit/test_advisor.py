"""Advisor: rule validation, scoring, stopping, justification."""

from __future__ import annotations

import shutil

import pytest

from bot.advisor import Advisor, Scorer, validate_rules
from bot.datafile import DataError
from bot.form import load_form
from bot.knowledge import load_knowledge


@pytest.fixture(scope="module")
def spec(repo):
    return load_form(repo / "intents")


@pytest.fixture(scope="module")
def advisor(kb, spec) -> Advisor:
    return Advisor(kb, spec)


@pytest.mark.parametrize(
    ("slots", "accept"),
    [
        ({"team_language": "js_ts", "workload": "io_api"}, {"nestjs", "fastify"}),
        ({"team_language": "python", "workload": "content", "team_size": "small"}, {"django"}),
        (
            {"team_language": "jvm", "team_size": "several_teams", "lifespan": "multi_year"},
            {"spring-boot"},
        ),
        ({"workload": "simple_http", "priority": "throughput"}, {"go", "rust"}),
        ({"team_language": "python", "workload": "io_api", "priority": "typing"}, {"fastapi"}),
        ({"team_language": "jvm", "deployment": "serverless"}, {"quarkus", "micronaut"}),
    ],
)
def test_article_heuristics(advisor: Advisor, slots, accept) -> None:
    assert advisor.recommend(slots).pick.id in accept


def test_equal_totals_go_to_the_framework_fewer_points_count_against(kb, spec) -> None:
    # Spring Boot and Quarkus both total 12; cold starts are a Spring Boot watch-out.
    slots = {
        "team_language": "jvm",
        "team_size": "several_teams",
        "lifespan": "multi_year",
        "deployment": "serverless",
    }
    scorer = Scorer(kb, spec)
    scoring = scorer.score(slots)
    assert scoring.totals["spring-boot"] == scoring.totals["quarkus"]
    assert scoring.pick == "quarkus" == scorer.status(slots).pick


def test_cpu_heavy_is_never_node(advisor: Advisor, kb) -> None:
    rec = advisor.recommend({"team_language": "js_ts", "workload": "cpu_heavy"})
    assert kb.frameworks[rec.pick.id].family != "node"


def test_recommendation_is_justified(advisor: Advisor, kb) -> None:
    rec = advisor.recommend({"team_language": "python", "workload": "content"})
    assert 3 <= len(rec.reasons) <= 5
    assert all(r.source in kb.by_id for r in rec.reasons)
    assert rec.watch_out and rec.runner_up.id != rec.pick.id
    assert rec.changes and all(c.pick != rec.pick.id for c in rec.changes)
    assert rec.table[0][0] == "Criterion" and rec.table[-1][0] == "total"
    data = rec.to_json()
    assert set(data) == {
        "slots",
        "pick",
        "runner_up",
        "scores",
        "reasons",
        "watch_out",
        "what_would_change",
        "understood",
        "needs",
    }


def test_what_would_change_names_a_flip(advisor: Advisor) -> None:
    rec = advisor.recommend({"team_language": "jvm", "team_size": "several_teams"})
    texts = " ".join(c.text for c in rec.changes)
    assert "if your team knew" in texts


def test_stops_when_no_answer_can_change_the_pick(kb, spec) -> None:
    scorer = Scorer(kb, spec)
    status = scorer.status({})
    assert status.next_slot == "team_language" and not status.done
    full = {"team_language": "go", "workload": "simple_http", "priority": "throughput"}
    assert scorer.status(full).done


def test_rule_with_unknown_slot_names_file_and_line(tmp_path, repo, spec) -> None:
    shutil.copytree(repo / "knowledge", tmp_path / "knowledge")
    rules = tmp_path / "knowledge" / "rules.yaml"
    text = rules.read_text().replace("when: {team_language: [python]}", "when: {lang: [python]}")
    rules.write_text(text)
    kb = load_knowledge(tmp_path / "knowledge")
    with pytest.raises(DataError) as err:
        validate_rules(kb, spec, rules)
    line = next(n for n, s in enumerate(text.splitlines(), 1) if "id: lang-python" in s)
    assert str(err.value).startswith(f"{rules}:{line}: rule 'lang-python' uses unknown slot")
