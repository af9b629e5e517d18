"""Count the regex alternation branches written into bot/ (issue 21: one grammar, written once).

For every call `re.compile|search|match|fullmatch|sub|subn|findall|finditer|split(...)` whose
pattern (first argument) is written in the source (a string, an f-string's literal parts, or a
`+` of such pieces), the count is the `|` characters it spells plus one. What a pattern takes
from a name or a placeholder (words in intents/*.yaml joined at load time) is not counted: the
count measures grammar written as code, which should only go down.

    python -m scripts.regex_branches [ROOT]   # prints the total, then each module's count
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CALLS = frozenset(
    {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
)


def _literal(node: ast.expr) -> str | None:
    """What a pattern written in the source spells (None: it is all a name or a call)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its literal parts
        return "".join(
            v.value
            for v in node.values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def file_branches(path: Path) -> tuple[int, int]:
    """(calls with a literal pattern, branches) of one Python file."""
    calls = branches = 0
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr in CALLS
            and isinstance(func.value, ast.Name)
            and func.value.id == "re"
        ):
            continue
        pattern = _literal(node.args[0])
        if pattern is None:
            continue
        calls += 1
        branches += pattern.count("|") + 1
    return calls, branches


def count(root: Path) -> dict[str, tuple[int, int]]:
    """Module path (relative to root's parent) -> (calls, branches), for every file with any."""
    out: dict[str, tuple[int, int]] = {}
    for path in sorted(root.rglob("*.py")):
        calls, branches = file_branches(path)
        if calls:
            out[str(path.relative_to(root.parent))] = (calls, branches)
    return out


def total(root: Path) -> int:
    """The branch count of every module under `root`."""
    return sum(branches for _, branches in count(root).values())


def main(argv: Sequence[str] | None = None) -> int:
    """Print the total and the per-module counts, most branches first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=REPO / "bot")
    args = parser.parse_args(argv)
    counts = count(args.root)
    calls = sum(c for c, _ in counts.values())
    print(f"total: {sum(b for _, b in counts.values())} branches in {calls} calls")
    for module, (c, b) in sorted(counts.items(), key=lambda item: (-item[1][1], item[0])):
        print(f"{b:5d} {c:4d}  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
