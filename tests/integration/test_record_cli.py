"""`python -m bot recommend --format markdown`: the decision record's contract, end to end."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

DESCRIPTION = "we're three Python devs building a content-heavy site, which backend?"
SECTIONS = [
    "Context",
    "Decision",
    "Why",
    "Watch-outs",
    "Alternatives",
    "What would change it",
    "Sources",
]


def _run(
    args: list[str], repo: Path, data_dir: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "recommend", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=repo,
        timeout=300,
    )


def _section(document: str, title: str) -> str:
    """The text under '## title', up to the next '## ' heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", document, re.M | re.S)
    assert match is not None, f"no section {title!r}"
    return match.group(1)


def _version(document: str) -> str:
    match = re.search(r"^- Knowledge version: ([0-9a-f]{12})$", document, re.M)
    assert match is not None, document
    return match.group(1)


@pytest.fixture(scope="module")
def record(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    result = _run(["--format", "markdown", DESCRIPTION], repo, tmp_path_factory.mktemp("data"))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_first_line_names_the_pick_and_every_section_follows_in_order(record: str) -> None:
    assert record.splitlines()[0] == "# Decision: Django"
    tokens = MarkdownIt("commonmark").enable("table").parse(record)
    headings = [
        (token.tag, tokens[n + 1].content)
        for n, token in enumerate(tokens)
        if token.type == "heading_open"
    ]
    assert headings == [("h1", "Decision: Django"), *(("h2", s) for s in SECTIONS)]
    # The score table is a real Markdown table, not preformatted text.
    assert any(token.type == "table_open" for token in tokens)


def test_context_quotes_the_users_own_words(record: str) -> None:
    context = _section(record, "Context")
    assert '- Team language: Python (from "Python")' in context
    assert '- Workload: Content / CRUD / data (from "content-heavy")' in context
    assert "- Lifespan: not answered" in context


def test_every_reason_and_watch_out_carries_its_passage_id_in_brackets(
    record: str, kb: Any
) -> None:
    for title in ("Why", "Watch-outs"):
        bullets = [line for line in _section(record, title).splitlines() if line.startswith("- ")]
        assert bullets, title
        for bullet in bullets:
            cited = re.search(r" \[([\w.-]+)\]$", bullet)
            assert cited is not None and cited.group(1) in kb.by_id, bullet
    assert "[heuristics.content]" in _section(record, "Why")


def test_alternatives_give_the_runner_up_the_margin_and_the_verdict(record: str) -> None:
    alternatives = _section(record, "Alternatives")
    assert re.search(
        r"^Runner-up: FastAPI, \d+(\.\d+)? points behind \((clear pick|close call)\)\.$",
        alternatives,
        re.M,
    ), alternatives
    assert "| Criterion | Django | FastAPI |" in alternatives
    assert _section(record, "What would change it").strip().startswith("- If your team knew")


def test_sources_name_the_article_its_author_date_and_the_knowledge_version(
    record: str, kb: Any
) -> None:
    sources = _section(record, "Sources")
    assert (
        '- "Backend Technologies: Node.js vs Django vs Spring Boot", ThynkBlox Team, 2026-02-14'
        in sources
    )
    assert _version(record) == kb.version
    # Every passage the record cites is listed with its section.
    cited = set(re.findall(r"\[([\w.-]+)\]$", record.split("## Sources", maxsplit=1)[0], re.M))
    assert cited and all(f"[{pid}]" in sources for pid in cited)


def test_the_knowledge_version_is_stable_for_the_same_knowledge_and_moves_with_its_text(
    record: str, repo: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(repo / "knowledge", copy)
    same = _run(["--format", "markdown", DESCRIPTION], repo, tmp_path, KNOWLEDGE_DIR=str(copy))
    assert same.returncode == 0, same.stderr
    # Another directory, the same content: the same version, the same record.
    assert _version(same.stdout) == _version(record)
    assert same.stdout == record

    article = copy / "article.yaml"
    text = article.read_text(encoding="utf-8")
    assert "text: monolith inertia at scale" in text
    article.write_text(text.replace("inertia at scale", "inertia at large scale"), "utf-8")
    changed = _run(["--format", "markdown", DESCRIPTION], repo, tmp_path, KNOWLEDGE_DIR=str(copy))
    assert changed.returncode == 0, changed.stderr
    assert _version(changed.stdout) != _version(record)
    assert "- Monolith inertia at large scale [wins.django.watch.monolith]" in changed.stdout


def test_json_is_still_accepted_and_format_json_is_the_same(repo: Path, tmp_path: Path) -> None:
    lines = f"{DESCRIPTION}\nFull-stack TypeScript team building product APIs\n"
    old = _run(["--json", "-"], repo, tmp_path, lines)
    new = _run(["--format", "json", "-"], repo, tmp_path, lines)
    assert old.returncode == new.returncode == 0, old.stderr + new.stderr
    assert old.stdout == new.stdout
    assert [json.loads(line)["pick"]["id"] for line in new.stdout.splitlines()] == [
        "django",
        "nestjs",
    ]


def test_markdown_from_stdin_gives_one_record_per_description(repo: Path, tmp_path: Path) -> None:
    lines = f"{DESCRIPTION}\nFull-stack TypeScript team building product APIs\n"
    result = _run(["--format", "markdown", "-"], repo, tmp_path, lines)
    assert result.returncode == 0, result.stderr
    titles = re.findall(r"^# (.+)$", result.stdout, re.M)
    assert titles == ["Decision: Django", "Decision: NestJS"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "xml", "x"], "argument --format: invalid choice: 'xml'"),
        (["--json", "--format", "markdown", "x"], "--json contradicts --format markdown"),
    ],
)
def test_a_bad_format_is_a_clear_usage_error(
    repo: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    result = _run(args, repo, tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout
