"""`python -m bot recommend` end to end."""

from __future__ import annotations

import json
import subprocess
import sys


def _run(args: list[str], repo, tmp_path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "recommend", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=repo,
    )


def test_json_lines_from_stdin(repo, tmp_path) -> None:
    lines = "Full-stack TypeScript team building product APIs\nthree Python devs, CMS\n"
    result = _run(["--json", "-"], repo, tmp_path, lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["pick"]["id"] for r in rows] == ["nestjs", "django"]
    assert set(rows[0]) == {
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
    assert all(r["source"] for r in rows[1]["reasons"])
    assert {"slot": "team_language", "value": "js_ts", "from": "Full-stack TypeScript"} in rows[0][
        "understood"
    ]


def test_json_needs_and_the_words_they_came_from(repo, tmp_path) -> None:
    result = _run(
        ["--json", "we're a Java house and our functions must wake up instantly"], repo, tmp_path
    )
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["pick"]["id"] in ("quarkus", "micronaut")
    need = next(n for n in row["needs"] if n["passage"] == "underrated.quarkus")
    assert need["text"] == "our functions must wake up instantly" and 0 < need["score"] <= 1
    assert row["reasons"][0] == {
        "text": 'You said "our functions must wake up instantly" → Quarkus / Micronaut (JVM) → '
        "faster startup than Spring Boot for cloud-native workloads.",
        "source": "underrated.quarkus",
    }


def test_set_overrides_and_text_output(repo, tmp_path) -> None:
    result = _run(["--set", "team_language=jvm", "cold starts on lambda"], repo, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] in (
        "Recommendation: Quarkus",
        "Recommendation: Micronaut",
    )


def test_bad_set_is_one_line_exit_2(repo, tmp_path) -> None:
    result = _run(["--set", "team_language=cobol", "x"], repo, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "cobol" in result.stderr


def test_broken_intents_refuse_to_start_with_file_and_line(repo, tmp_path) -> None:
    import shutil

    intents = tmp_path / "intents"
    shutil.copytree(repo / "intents", intents)
    slots = intents / "slots.yaml"
    slots.write_text(slots.read_text().replace("  - name: workload\n", "  - nam: workload\n"))
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "INTENTS_DIR": str(intents)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "recommend", "python team"],
        capture_output=True,
        text=True,
        env=env,
        cwd=repo,
    )
    assert result.returncode == 2
    line = next(n for n, s in enumerate(slots.read_text().splitlines(), 1) if "nam: workload" in s)
    assert result.stderr.strip() == (f"error: {slots}:{line}: missing required field 'name'")
