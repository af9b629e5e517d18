"""Loading knowledge/: the real article's passages, and every validation error's message."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.knowledge import DataError, load_knowledge

# Subprocesses run from other directories: make them import this checkout's code, not
# whatever checkout the venv's editable install points at.
CHECKOUT = str(Path(__file__).resolve().parents[2])

ARTICLE = """\
source:
  id: article
  title: A Small Article
sections:
  - id: glance
    title: At a Glance
    table:
      columns: {node: Node.js, django: Django}
      rows:
        - id: language
          label: Language
          cells: {node: JavaScript, django: Python}
  - id: wins
    title: Where Each Wins
    frameworks: [django]
    bullets:
      - id: wins.admin
        text: Built-in admin. Fast CRUD.
"""
FRAMEWORKS = """\
frameworks:
  - {id: node, name: Node.js, family: node, language: JS, source: glance}
  - {id: django, name: Django, family: python, language: Python, source: wins.admin}
"""
RULES = """\
rules:
  - id: lang-python
    source: wins.admin
    criterion: team skills
    reason: Python team
    when: {team_language: [python]}
    effects: {django: 3}
"""


def write_kb(
    directory: Path, article: str = ARTICLE, frameworks: str = FRAMEWORKS, rules: str = RULES
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "article.yaml").write_text(article)
    (directory / "frameworks.yaml").write_text(frameworks)
    (directory / "rules.yaml").write_text(rules)
    return directory


def error_of(directory: Path) -> str:
    with pytest.raises(DataError) as info:
        load_knowledge(directory)
    return str(info.value)


def test_the_real_article_loads_with_stable_ids(kb):
    ids = [p.id for p in kb.passages]
    assert len(ids) == len(set(ids))
    cold = kb.passage("wins.spring.watch.coldstart")
    assert cold.kind == "bullet"
    assert cold.section == ("Where Each Wins", "Spring Boot", "Watch out for")
    assert cold.frameworks == ("spring-boot",)
    assert cold.origin.startswith("article.yaml:")
    cell = kb.passage("glance.hiring.node")
    assert (cell.kind, cell.text, cell.parent) == ("cell", "Node.js hiring: Huge", "glance.hiring")
    # A two-sentence bullet gives a passage per sentence, each part of its bullet.
    assert kb.passage("underrated.fastapi.2").text.startswith("Increasingly the right call")
    assert kb.ancestors("underrated.fastapi.2") == ["underrated.fastapi", "underrated"]
    assert {"section", "row", "cell", "bullet", "sentence"} <= {p.kind for p in kb.passages}


def test_every_bullet_and_cell_of_the_article_is_a_passage(kb, repo):
    raw = (repo / "tests" / "data" / "article.raw.txt").read_text()
    for phrase in ("CPU-heavy work", "monolith inertia at scale", "learning curve", "Huge"):
        assert phrase in raw
        assert any(phrase in p.text for p in kb.passages if p.kind in ("bullet", "cell"))


def test_a_small_knowledge_base_loads(tmp_path):
    kb = load_knowledge(write_kb(tmp_path))
    assert [p.id for p in kb.passages] == [
        "glance",
        "glance.language",
        "glance.language.node",
        "glance.language.django",
        "wins",
        "wins.admin",
        "wins.admin.1",
        "wins.admin.2",
    ]
    assert kb.passage("wins.admin.1").parent == "wins.admin"
    assert kb.passage("wins").index_text.startswith("Where Each Wins: - Built-in admin")


def test_content_hash_changes_with_an_edit_only(tmp_path):
    first = load_knowledge(write_kb(tmp_path / "a")).content_hash
    assert load_knowledge(write_kb(tmp_path / "b")).content_hash == first
    edited = write_kb(tmp_path / "c", ARTICLE.replace("Fast CRUD", "Quick CRUD"))
    assert load_knowledge(edited).content_hash != first


def test_the_version_covers_every_knowledge_file_and_only_their_content(tmp_path):
    first = load_knowledge(write_kb(tmp_path / "a")).version
    assert len(first) == 12 and load_knowledge(write_kb(tmp_path / "b")).version == first
    edited = write_kb(tmp_path / "c", ARTICLE.replace("Fast CRUD", "Quick CRUD"))
    assert load_knowledge(edited).version != first
    # A rule's points change a pick but no passage: the version moves, the index key does not.
    reweighed = write_kb(tmp_path / "d", rules=RULES.replace("django: 3", "django: 4"))
    assert load_knowledge(reweighed).version != first
    assert load_knowledge(reweighed).content_hash == load_knowledge(tmp_path / "a").content_hash


def test_the_articles_author_and_date_come_from_its_header(kb, tmp_path):
    (article,) = kb.sources
    assert (article.author, article.published) == ("ThynkBlox Team", "2026-02-14")
    assert load_knowledge(write_kb(tmp_path)).sources[0].author == ""
    for date, fault in [
        ('"14 February 2026"', "expected a date as YYYY-MM-DD, got '14 February 2026'"),
        ("2026-02-30", "invalid value '2026-02-30': day is out of range for month"),
    ]:
        dated = ARTICLE.replace("  title: A Small Article\n", f"  title: A\n  published: {date}\n")
        path = write_kb(tmp_path / date.strip('"'), dated) / "article.yaml"
        assert error_of(path.parent) == f"{path}:4: {fault}"


@pytest.mark.parametrize(
    ("file", "before", "after", "line", "message"),
    [
        (
            "article.yaml",
            "  - id: wins.admin\n",
            "  - id: glance\n",
            17,
            "duplicate passage id 'glance' (first at article.yaml:5)",
        ),
        ("article.yaml", "    title: Where Each Wins\n", "", 13, "missing required field 'title'"),
        (
            "article.yaml",
            "frameworks: [django]",
            "frameworks: [flask]",
            13,
            "passage 'wins' names unknown framework 'flask'",
        ),
        (
            "article.yaml",
            "  - id: wins\n",
            "  - id: Wins!\n",
            13,
            "invalid id 'Wins!': use lower-case letters, digits, '.', '-', '_'",
        ),
        (
            "article.yaml",
            "django: Python}",
            "django: Python, elixir: Go}",
            12,
            "unknown column 'elixir'",
        ),
        (
            "article.yaml",
            "django: Python}",
            "elixir: Python}",
            12,
            "row 'language' has no cell for column 'django'",
        ),
        (
            "article.yaml",
            "title: A Small Article",
            "title: [oops",
            4,
            "invalid YAML: expected ',' or ']'",
        ),
        (
            "article.yaml",
            "  id: article\n",
            "  id: article\n  id: again\n",
            3,
            "duplicate key 'id'",
        ),
        (
            "frameworks.yaml",
            "source: wins.admin}",
            "source: wins.nowhere}",
            3,
            "framework 'django' cites unknown passage 'wins.nowhere'",
        ),
        ("frameworks.yaml", "name: Django, ", "", 3, "missing required field 'name'"),
        (
            "rules.yaml",
            "    source: wins.admin\n",
            "    source: wins.gone\n",
            3,
            "rule 'lang-python' cites unknown passage 'wins.gone'",
        ),
        (
            "rules.yaml",
            "effects: {django: 3}",
            "effects: {flask: 3}",
            7,
            "rule 'lang-python' names unknown framework 'flask'",
        ),
        (
            "rules.yaml",
            "effects: {django: 3}",
            "effects: {django: lots}",
            7,
            "expected a number, got str 'lots'",
        ),
    ],
)
def test_each_loading_error_names_file_line_and_fault(
    tmp_path, file, before, after, line, message
):
    directory = write_kb(tmp_path)
    path = directory / file
    text = path.read_text()
    assert before in text
    path.write_text(text.replace(before, after, 1))
    error = error_of(directory)
    assert error.startswith(f"{path}:{line}: "), error
    assert message in error


def test_a_section_without_content_is_an_error(tmp_path):
    article = ARTICLE + "  - id: empty\n    title: Nothing Here\n"
    directory = write_kb(tmp_path, article)
    assert error_of(directory) == (
        f"{directory / 'article.yaml'}:19: section 'empty' has no bullets, table or subsections"
    )


def test_a_missing_directory_is_an_error(tmp_path):
    assert error_of(tmp_path / "nope") == f"{tmp_path / 'nope'}:1: knowledge directory not found"


@pytest.mark.subprocess
def test_kb_check_reports_a_broken_file_in_one_line_with_status_2(tmp_path):
    directory = write_kb(tmp_path / "knowledge")
    (directory / "rules.yaml").write_text(RULES.replace("source: wins.admin", "source: nope"))
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": CHECKOUT,
        "DATA_DIR": str(tmp_path),
        "KNOWLEDGE_DIR": str(directory),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {directory / 'rules.yaml'}:3: rule 'lang-python' cites unknown passage 'nope'"
    )


# Bring your own knowledge: Markdown files in knowledge/.

NOTES = """\
# Team Notes

Intro paragraph about Node.js.

## Deployment

- We deploy Django on Kubernetes. It works well.
- Spring Boot services need more memory

### Caveats

Cold starts hurt on serverless.
"""


def test_markdown_is_split_by_headings_and_bullets(tmp_path):
    directory = write_kb(tmp_path)
    (directory / "team-notes.md").write_text(NOTES)
    (directory / "README.md").write_text("# Not knowledge\n\n- ignored\n")
    kb = load_knowledge(directory)
    assert [s.title for s in kb.sources] == ["A Small Article", "Team Notes"]
    md = {p.id: p for p in kb.passages if p.source == "team-notes"}
    assert set(md) == {
        "team-notes.intro.1",
        "team-notes.intro",
        "team-notes.deployment.1",
        "team-notes.deployment.1.1",
        "team-notes.deployment.1.2",
        "team-notes.deployment.2",
        "team-notes.deployment",
        "team-notes.deployment.caveats.1",
        "team-notes.deployment.caveats",
    }
    bullet = md["team-notes.deployment.1"]
    assert (bullet.kind, bullet.section, bullet.origin) == (
        "bullet",
        ("Team Notes", "Deployment"),
        "team-notes.md:7",
    )
    assert bullet.frameworks == ("django",)
    assert md["team-notes.deployment.1.2"].text == "It works well."
    assert md["team-notes.deployment.1.2"].parent == "team-notes.deployment.1"
    assert md["team-notes.deployment.caveats"].parent == "team-notes.deployment"
    assert md["team-notes.deployment.caveats"].origin == "team-notes.md:10"  # its heading
    assert md["team-notes.intro.1"].kind == "paragraph"
    assert md["team-notes.intro.1"].frameworks == ("node",)
    assert kb.source_title("team-notes.deployment.2") == "Team Notes"


def test_markdown_changes_the_content_hash(tmp_path):
    directory = write_kb(tmp_path)
    before = load_knowledge(directory).content_hash
    (directory / "notes.md").write_text(NOTES)
    assert load_knowledge(directory).content_hash != before


def test_an_empty_markdown_file_is_an_error(tmp_path):
    directory = write_kb(tmp_path)
    (directory / "empty.md").write_text("\n\n")
    assert error_of(directory) == (
        f"{directory / 'empty.md'}:1: no text found: add headings, bullets or paragraphs"
    )


def test_a_markdown_id_clashing_with_the_article_is_an_error(tmp_path, repo):
    directory = tmp_path / "knowledge"
    shutil.copytree(repo / "knowledge", directory)
    # "wins.md" with a "Node" heading mints the section id "wins.node", the article's own.
    (directory / "wins.md").write_text(
        textwrap.dedent("""\
        # Wins
        ## Node
        - a bullet
        """)
    )
    assert error_of(directory) == f"{directory / 'wins.md'}:2: duplicate passage id 'wins.node'"


def test_markdown_code_fences_setext_headings_and_nested_lists(tmp_path):
    directory = write_kb(tmp_path)
    (directory / "ops.md").write_text(
        "Ops Notes\n=========\n\nOperations\n----------\n\n"
        "```sh\n# not a heading\ndocker compose up\n```\n\n"
        "- Django runs behind **gunicorn**\n  - nested: one worker per core\n"
    )
    kb = load_knowledge(directory)
    md = {p.id: p for p in kb.passages if p.source == "ops"}
    assert kb.sources[-1].title == "Ops Notes"
    assert {p.section for p in md.values()} == {("Ops Notes", "Operations")}
    code = md["ops.operations.1"]
    assert (code.kind, code.text) == ("paragraph", "# not a heading\ndocker compose up")
    bullets = [p.text for p in md.values() if p.kind == "bullet"]
    assert bullets == ["Django runs behind gunicorn", "nested: one worker per core"]
