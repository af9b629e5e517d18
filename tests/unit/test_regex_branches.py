"""A ratchet on the grammar written as code (issue 21): bot/'s regex branches may only go down.

scripts/regex_branches.py counts them (`python -m scripts.regex_branches` prints each module's).
When a change lowers the count, lower CEILING to it in the same commit; words belong in
intents/*.yaml, where the text layer reads them.
"""

from __future__ import annotations

from pathlib import Path

from scripts.regex_branches import count, file_branches, total

BOT = Path(__file__).resolve().parents[2] / "bot"
CEILING = 120


def test_bot_writes_no_more_regex_branches_than_the_ceiling() -> None:
    found = total(BOT)
    assert found <= CEILING, (
        f"bot/ has {found} regex branches, above the ceiling of {CEILING}: put the words in "
        "intents/*.yaml (see bot/text), or run `python -m scripts.regex_branches` to see where"
    )


def test_the_count_reads_literals_f_strings_and_sums_and_skips_names(tmp_path: Path) -> None:
    source = tmp_path / "bot" / "m.py"
    source.parent.mkdir()
    source.write_text(
        "import re\n"
        "A = re.compile(r'a|b|c')\n"  # 3
        "B = re.search(rf'(?:{x}|y)', t)\n"  # 2: the f-string's literal part
        "C = re.sub('x|' + y + '|z', '', t)\n"  # 3
        "D = re.compile(words)\n"  # a name: not counted
        "E = other.compile('a|b')\n"  # not re
    )
    assert file_branches(source) == (3, 8)
    assert count(tmp_path / "bot") == {"bot/m.py": (3, 8)}
