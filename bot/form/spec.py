"""Load and validate intents/ (intents.yaml, slots.yaml) into typed intents and form slots."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.datafile import DataError, Node, load_yaml

# Callback data is limited to 64 bytes: values stay short identifiers.
_VALUE_RE = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
# Telegram shows about 32 characters of a button label on a phone before cutting it.
MAX_LABEL = 32
REQUIRED_INTENTS = (
    "greet",
    "help",
    "recommend",
    "ask",
    "compare",
    "skip",
    "back",
    "restart",
    "cancel",
    "thanks",
    "out_of_scope",
)


@dataclass(frozen=True, slots=True)
class SlotOption:
    """One value a slot can take, with its button label and the phrases that mean it."""

    value: str
    label: str
    change: str
    synonyms: tuple[str, ...]
    answers: tuple[str, ...] = ()
    count: tuple[int, int] | None = None
    origin: str = ""
    # Indirect evidence (tools, files, neighbouring stacks, where people came from): it fills
    # the slot when nothing names a value outright, and never outvotes a direct synonym.
    cues: tuple[str, ...] = ()
    # Regular expressions (case-insensitive, `(?-i:...)` for case) read like synonyms.
    patterns: tuple[str, ...] = ()
    # "four product teams": a number of groups in this range means this option.
    groups: tuple[int, int] | None = None
    # What the value means, in users' words: a clause nearest to one of these (by MiniLM)
    # fills the slot when no phrase named a value (bot.nlu.needs).
    means: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Slot:
    """A question of the recommendation form."""

    name: str
    title: str
    question: str
    why: str
    source: str
    reprompt: str
    options: tuple[SlotOption, ...]
    several_values: str | None = None
    count_nouns: tuple[str, ...] = ()
    origin: str = ""
    # Values no option holds ("PHP", "Elixir"): alone they mean `several_values` (no common
    # language among the options); beside an option's value they are ignored.
    others: tuple[str, ...] = ()
    # Nouns that count groups of people ("teams", "squads"), for the options' `groups`.
    group_nouns: tuple[str, ...] = ()
    # True when a past mention counts ("came from a Java shop" says what the team knows).
    background: bool = False
    # True when the slot is a wish: a skill ("comfortable with type hints") states none.
    wish: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        """The option values, in declared order."""
        return tuple(o.value for o in self.options)

    def option(self, value: str) -> SlotOption:
        """The option with `value` (KeyError when there is none)."""
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)


@dataclass(frozen=True, slots=True)
class Intent:
    """What a message can mean: example utterances (by meaning) and exact keywords."""

    name: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormSpec:
    """Everything intents/ declares; `content_hash` keys the cached example vectors."""

    intents: tuple[Intent, ...]
    slots: tuple[Slot, ...]
    content_hash: str
    slots_file: Path = field(default=Path("slots.yaml"))

    def slot(self, name: str) -> Slot:
        """The slot called `name` (KeyError when there is none)."""
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(name)

    @property
    def slot_names(self) -> tuple[str, ...]:
        """Slot names in declared (tie-breaking) order."""
        return tuple(s.name for s in self.slots)


def _texts(node: Node | None) -> tuple[str, ...]:
    return tuple(t.lower() for t in node.texts()) if node is not None else ()


def _label(node: Node) -> str:
    label = node.text()
    if len(label) > MAX_LABEL:
        raise node.error(f"label '{label}' is longer than {MAX_LABEL} characters")
    return label


def _bounds(node: Node | None, name: str) -> tuple[int, int] | None:
    if node is None:
        return None
    bounds = node.items()
    if len(bounds) != 2:
        raise node.error(f"{name} must be [min, max]")
    return (int(bounds[0].number()), int(bounds[1].number()))


def _patterns(node: Node | None) -> tuple[str, ...]:
    if node is None:
        return ()
    out = []
    for item in node.items():
        try:
            re.compile(item.text(), re.IGNORECASE)
        except re.error as exc:
            raise item.error(f"invalid pattern: {exc}") from None
        out.append(item.text())
    return tuple(out)


def _option(node: Node, slot_name: str) -> SlotOption:
    value_node = node.require("value")
    value = value_node.text()
    if not _VALUE_RE.match(value):
        raise value_node.error(
            f"invalid value '{value}' in slot '{slot_name}': use a short lower-case identifier"
        )
    count = _bounds(node.get("count"), "count")
    return SlotOption(
        value=value,
        label=_label(node.require("label")),
        change=node.require("change").text(),
        synonyms=_texts(node.get("synonyms")),
        answers=_texts(node.get("answers")),
        count=count,
        origin=f"{node.path.name}:{node.line}",
        cues=_texts(node.get("cues")),
        patterns=_patterns(node.get("patterns")),
        groups=_bounds(node.get("groups"), "groups"),
        means=_texts(node.get("means")),
    )


def _slot(node: Node) -> Slot:
    name_node = node.require("name")
    name = name_node.text()
    if not _VALUE_RE.match(name):
        raise name_node.error(f"invalid slot name '{name}'")
    options = tuple(_option(o, name) for o in node.require("options").items())
    if len(options) < 2:
        raise node.require("options").error(f"slot '{name}' needs at least two options")
    seen: dict[str, SlotOption] = {}
    for option, option_node in zip(options, node.require("options").items(), strict=True):
        if option.value in seen:
            raise option_node.error(f"duplicate value '{option.value}' in slot '{name}'")
        seen[option.value] = option
    several = node.get("several_values")
    if several is not None and several.text() not in seen:
        raise several.error(f"several_values '{several.text()}' is not an option of '{name}'")
    return Slot(
        name=name,
        title=node.require("title").text(),
        question=node.require("question").text(),
        why=node.require("why").text(),
        source=node.require("source").text(),
        reprompt=node.require("reprompt").text(),
        options=options,
        several_values=several.text() if several is not None else None,
        count_nouns=_texts(node.get("count_nouns")),
        origin=f"{node.path.name}:{node.line}",
        others=_texts(node.get("others")),
        group_nouns=_texts(node.get("group_nouns")),
        background=bool(node.get("background") and node.require("background").plain()),
        wish=bool(node.get("wish") and node.require("wish").plain()),
    )


def load_form(directory: Path) -> FormSpec:
    """Read intents.yaml and slots.yaml from `directory`; a DataError (file:line) on a fault."""
    if not directory.is_dir():
        raise DataError(directory, 1, "intents directory not found")
    digest = hashlib.sha256()
    intents_path, slots_path = directory / "intents.yaml", directory / "slots.yaml"
    for path in (intents_path, slots_path):
        if not path.is_file():
            raise DataError(path, 1, "file not found")
        digest.update(path.read_bytes())
    root = load_yaml(intents_path)
    intents: list[Intent] = []
    for node in root.require("intents").items():
        name = node.require("name").text()
        if any(i.name == name for i in intents):
            raise node.error(f"duplicate intent '{name}'")
        examples = tuple(node.require("examples").texts())
        intents.append(Intent(name, examples, _texts(node.get("keywords"))))
    missing = [n for n in REQUIRED_INTENTS if n not in {i.name for i in intents}]
    if missing:
        raise root.require("intents").error(f"missing intents: {', '.join(missing)}")
    slots: list[Slot] = []
    for node in load_yaml(slots_path).require("slots").items():
        slot = _slot(node)
        if any(s.name == slot.name for s in slots):
            raise node.error(f"duplicate slot '{slot.name}'")
        slots.append(slot)
    if not slots:
        raise DataError(slots_path, 1, "no slots declared")
    return FormSpec(tuple(intents), tuple(slots), digest.hexdigest()[:16], slots_path)
