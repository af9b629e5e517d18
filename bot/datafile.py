"""Read YAML data files keeping the line of every value, so errors can say `file:line: what`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DataError(Exception):
    """Bad data in knowledge/ or intents/; str() is `file:line: what is wrong`."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{path}:{line}: {message}")


class Node:
    """A parsed YAML value with the file and line it came from."""

    __slots__ = ("line", "path", "value")

    def __init__(self, value: Any, path: Path, line: int) -> None:
        self.value, self.path, self.line = value, path, line

    def error(self, message: str) -> DataError:
        """A DataError pointing at this value."""
        return DataError(self.path, self.line, message)

    def get(self, key: str) -> Node | None:
        """The child at `key` of a mapping, or None."""
        return self.mapping().get(key)

    def require(self, key: str) -> Node:
        """The child at `key` of a mapping; a DataError naming the key when it is missing."""
        child = self.get(key)
        if child is None:
            raise self.error(f"missing required field '{key}'")
        return child

    def mapping(self) -> dict[str, Node]:
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping, got {_kind(self.value)}")
        return self.value

    def items(self) -> list[Node]:
        if self.value is None:
            return []
        if not isinstance(self.value, list):
            raise self.error(f"expected a list, got {_kind(self.value)}")
        return self.value

    def text(self) -> str:
        """A non-empty string (numbers and dates are read as their text)."""
        if isinstance(self.value, (dict, list)) or self.value is None:
            raise self.error(f"expected text, got {_kind(self.value)}")
        text = str(self.value).strip()
        if not text:
            raise self.error("expected text, got an empty string")
        return text

    def texts(self) -> list[str]:
        """A list of strings; a single string counts as a list of one."""
        if isinstance(self.value, list):
            return [item.text() for item in self.value]
        return [self.text()]

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise self.error(f"expected a number, got {_kind(self.value)}")
        return float(self.value)

    def plain(self) -> Any:
        """The value with line information stripped, as ordinary Python data."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _convert(node: yaml.Node, path: Path, loader: yaml.SafeLoader) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            if key in out:
                raise DataError(path, key_node.start_mark.line + 1, f"duplicate key '{key}'")
            out[key] = _convert(value_node, path, loader)
        return Node(out, path, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(child, path, loader) for child in node.value], path, line)
    try:
        return Node(loader.construct_object(node), path, line)
    except ValueError as exc:  # a scalar that looks like a date but is none: 2026-02-30
        raise DataError(path, line, f"invalid value '{node.value}': {exc}") from None


def load_yaml(path: Path) -> Node:
    """Parse one YAML file into Nodes; a DataError with file:line for any syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, 1, f"cannot read: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise DataError(path, 1, "the file is empty")
        return _convert(root, path, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DataError(path, line, f"invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise DataError(path, 1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
