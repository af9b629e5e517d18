"""Broken knowledge/ or intents/: `bot run` refuses with one `file:line:` line, exit 2."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.bot_process import REPO, subprocess_env

# (file, the line to change, its replacement, what the error must say). Lines are found by
# their text, so the cases survive edits elsewhere in the data.
CASES = {
    "malformed yaml": (
        "knowledge/frameworks.yaml", "    name: Express", "    name: [Express", "",
    ),
    "missing field": (
        "knowledge/frameworks.yaml", "    name: Node.js", "    nom: Node.js", "name",
    ),
    "duplicate id": (
        "knowledge/rules.yaml", "  - id: lang-python", "  - id: lang-js", "lang-js",
    ),
    "dangling reference in knowledge": (
        "knowledge/rules.yaml", "    source: glance.language", "    source: no.such.passage",
        "no.such.passage",
    ),
    "dangling reference in intents": (
        "intents/slots.yaml", "    source: bottom-line.pick", "    source: nowhere.at-all",
        "nowhere.at-all",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_broken_data_stops_the_start_with_file_line_and_status_2(
    case: str, tmp_path: Path
) -> None:
    name, old, new, mention = CASES[case]
    for folder in ("knowledge", "intents"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    path = tmp_path / name
    lines = path.read_text(encoding="utf-8").split("\n")
    line_no = lines.index(old) + 1  # the first occurrence
    lines[line_no - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env=subprocess_env(
            KNOWLEDGE_DIR=str(tmp_path / "knowledge"),
            INTENTS_DIR=str(tmp_path / "intents"),
            STORAGE_URL=f"sqlite:///{tmp_path / 's.sqlite3'}",
            TELEGRAM_API_URL="http://127.0.0.1:9",  # never reached: data is checked first
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    err = result.stderr.strip().splitlines()
    assert len(err) == 1, result.stderr
    where = re.match(r"^(?:error: )?(.+?):(\d+): (.+)$", err[0])
    assert where, err[0]
    assert Path(where[1]).resolve() == path.resolve()
    # The line named is in the broken entry: the value itself, the entry's first line (a
    # missing field) or the next line (where the YAML parser noticed); a duplicate may point
    # at either occurrence.
    assert case == "duplicate id" or line_no - 6 <= int(where[2]) <= line_no + 1, (err, line_no)
    assert mention in where[3], err[0]
