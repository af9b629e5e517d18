"""The dependency arrows of bot/ point one way: an AST check of every import, nested ones too.

adapters (telegram, console, commands, cli, wiring) -> dialogue -> retrieval, nlu, advisor
-> embedding, knowledge, form -> text -> leaves (replies, errors, datafile, config, logs).
render only needs replies. A pure package imports only what its row below allows: never
aiogram, never an adapter, never a package at or above its own layer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"

LEAVES = frozenset({"replies", "errors", "datafile", "config", "logs"})
# What each pure part of bot/ may import from bot/ (besides itself).
ALLOWED: dict[str, frozenset[str]] = {
    **{leaf: frozenset() for leaf in LEAVES},
    # The text layer: how every reader cuts and reads a message (its words: intents/text.yaml).
    "text": LEAVES,
    "embedding": LEAVES,
    "knowledge": LEAVES | {"text"},
    "form": LEAVES | {"text"},
    "retrieval": LEAVES | {"text", "embedding", "knowledge", "form"},
    "nlu": LEAVES | {"text", "embedding", "knowledge", "form"},
    "advisor": LEAVES | {"text", "embedding", "knowledge", "form"},
    "dialogue": LEAVES | {"text", "embedding", "knowledge", "form", "retrieval", "nlu", "advisor"},
    "render": frozenset({"replies"}),
    # The feedback log: storage for the adapters (telegram writes, commands/report reads),
    # below them both, so the report never loads aiogram.
    "feedback": LEAVES,
}
# Adapters and tools on top: they may import any of the above (and each other).
UNCHECKED = frozenset(
    {"__init__", "__main__", "cli", "commands", "console", "evaluation", "telegram", "wiring"}
)
# Third-party packages that belong to an adapter.
ADAPTER_LIBRARIES = frozenset({"aiogram", "aiohttp"})


def _part(path: Path) -> str:
    """The top-level part of bot/ a file belongs to: 'retrieval', 'replies', '__main__'..."""
    rel = path.relative_to(BOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path, root: Path = BOT.parent) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file under `root`, at any depth."""
    package = list(path.relative_to(root).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from bot import replies` imports the module bot.replies.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def _violations() -> list[str]:
    out = []
    for path in sorted(BOT.rglob("*.py")):
        part = _part(path)
        if part in UNCHECKED:
            continue
        allowed = ALLOWED[part] | {part}
        where = path.relative_to(BOT.parent)
        for line, module in _imports(path):
            top, _, rest = module.partition(".")
            if top in ADAPTER_LIBRARIES:
                out.append(f"{where}:{line}: {part} imports {module} (an adapter's library)")
            elif top == "bot" and rest and rest.split(".")[0] not in allowed:
                out.append(f"{where}:{line}: {part} imports {module}")
    return out


def _module(path: Path, root: Path = BOT.parent) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph(root: Path = BOT.parent) -> dict[str, set[str]]:
    """Module -> the modules of bot/ it imports, at any depth (type-only imports too).

    `from bot.dialogue import answer` is an edge to bot.dialogue.answer, not to the package.
    """
    modules = {_module(path, root): path for path in (root / "bot").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for _, module in _imports(path, root):
            # `_imports` lists `from X import y` as X and X.y: keep X.y when it is a module.
            if module in modules and module != name:
                edges.add(module)
        for module in list(edges):
            if any(other.startswith(module + ".") for other in edges):
                edges.discard(module)  # the package itself, reached for its submodule
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph`: its strongly connected parts of two modules or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                out.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_module_of_bot_imports_itself_in_a_circle():
    # answer <-> engine (the Retriever protocol now in bot/retrieval/port.py) and needs <->
    # slots (NeedMatch now in bot/nlu/matches.py) were the last two: a type-only import counts.
    assert _cycles(_graph()) == []


# Modules that two others share so neither imports the other: they import nothing of bot/.
SHARED_LEAVES = ("retrieval/port.py", "nlu/matches.py")


def test_shared_leaves_import_nothing_of_bot():
    for leaf in SHARED_LEAVES:
        assert [m for _, m in _imports(BOT / leaf) if m.split(".")[0] == "bot"] == [], leaf


def test_the_circle_check_sees_a_type_only_circle(tmp_path):
    package = tmp_path / "bot" / "nlu"
    package.mkdir(parents=True)
    (tmp_path / "bot" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from bot.nlu.a import A\n")
    (package / "a.py").write_text("from bot.nlu.b import B\nA = 1\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.nlu import a\nB = 2\n"
    )
    assert _cycles(_graph(tmp_path)) == [["bot.nlu.a", "bot.nlu.b"]]


def test_every_part_of_bot_has_a_place_in_the_table():
    parts = {_part(path) for path in BOT.rglob("*.py")}
    assert parts - ALLOWED.keys() - UNCHECKED == set(), "place the new part in ALLOWED"


def test_pure_packages_import_only_downwards():
    assert _violations() == []


def test_the_check_sees_nested_relative_and_type_only_imports(tmp_path):
    fake = tmp_path / "bot" / "form" / "spec.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from bot.dialogue import Engine\n"
        "def f():\n    from ..telegram import app\n    import aiogram\n"
    )
    modules = {module for _, module in _imports(fake, root=tmp_path)}
    assert {"bot.dialogue", "bot.telegram", "bot.telegram.app", "aiogram"} <= modules


@pytest.mark.subprocess
def test_render_and_replies_load_no_numpy_torch_or_bm25s():
    # A fresh interpreter: this one has long imported them all.
    script = (
        "import sys, bot.render, bot.render.html, bot.render.text, bot.replies\n"
        "print(' '.join(m for m in ('numpy', 'torch', 'bm25s', 'aiogram') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=BOT.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
