"""Typed knowledge: passages, frameworks, the comparison table and the decision rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PassageKind = Literal["section", "row", "cell", "bullet", "sentence", "paragraph"]
# What a passage says, from its section's `role` in the data (not from the heading's words).
Role = Literal[
    "table", "strength", "watch-out", "heuristic", "underrated", "bottom-line", "overview"
]
ROLES: tuple[Role, ...] = (
    "table", "strength", "watch-out", "heuristic", "underrated", "bottom-line", "overview",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Passage:
    """One citable piece of knowledge: a section, table row or cell, bullet or sentence."""

    id: str
    source: str
    section: tuple[str, ...]
    text: str
    kind: PassageKind
    frameworks: tuple[str, ...] = ()
    origin: str = ""  # file:line it was read from
    # The passage this one is part of (a bullet's section, a sentence's bullet, a cell's row),
    # so an answer can avoid quoting a bullet and its own section both.
    parent: str | None = None
    role: Role = "overview"

    @property
    def section_label(self) -> str:
        """The section path, e.g. 'Where Each Wins > Django > Watch out for'."""
        return " > ".join(self.section)

    @property
    def index_text(self) -> str:
        """What retrieval sees: the section path gives short bullets their subject."""
        if self.kind in ("row", "cell"):
            return self.text
        # A section's text is its bullets alone ("- cold-start time ..."): without its title
        # nothing says they are Spring Boot's drawbacks.
        return f"{self.section_label}: {self.text}"


@dataclass(frozen=True, slots=True)
class Source:
    """A document the passages come from (the article, or a Markdown file in knowledge/)."""

    id: str
    title: str
    file: str
    # From the source's header when it has one (the article's YAML): a decision record cites
    # them. `published` is an ISO date, YYYY-MM-DD.
    author: str = ""
    published: str = ""


@dataclass(frozen=True, slots=True)
class Framework:
    """A framework the advisor can recommend."""

    id: str
    name: str
    family: str
    language: str
    aliases: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Technology:
    """A well-known technology the knowledge does not cover (knowledge/uncovered.yaml)."""

    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableRow:
    id: str
    label: str
    cells: dict[str, str]
    passage: str


@dataclass(frozen=True, slots=True)
class Table:
    """The article's comparison table: columns are framework ids."""

    columns: dict[str, str]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """A decision rule: when the slots match `when`, add `effects` to framework scores.

    `when` maps slot name -> accepted values; `effects` maps framework id -> points (negative
    to argue against). The advisor validates slot names and values against intents/.
    """

    id: str
    source: str
    criterion: str
    reason: str
    when: dict[str, tuple[str, ...]]
    effects: dict[str, float]
    origin: str
    # Needs (knowledge/needs.yaml) that also fire the rule when the user states one in any
    # words, whatever the slots say; a rule with needs may have no `when` at all.
    needs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Need:
    """Something a team may need, said in users' words, and the passage that speaks to it.

    `favours`: the frameworks the article ties the need to (stating it never lowers them).
    """

    id: str
    label: str
    passage: str
    favours: tuple[str, ...]
    says: tuple[str, ...]
    origin: str


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Everything the bot knows, validated; `content_hash` keys the index cache."""

    sources: tuple[Source, ...]
    passages: tuple[Passage, ...]
    frameworks: dict[str, Framework]
    table: Table
    rules: tuple[Rule, ...]
    content_hash: str
    by_id: dict[str, Passage] = field(default_factory=dict)
    # Passage id -> other ways of saying what it answers (knowledge/glosses.yaml).
    glosses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    uncovered: tuple[Technology, ...] = ()
    # Role -> the plain words for it ("watch-out" -> "drawbacks, downsides, ..."), for BM25.
    role_words: dict[str, str] = field(default_factory=dict)
    # Need id -> what users say when they need what a passage offers (knowledge/needs.yaml).
    needs: dict[str, Need] = field(default_factory=dict)
    # Statements that state no need (facts, context): the needs' null class.
    not_needs: tuple[str, ...] = ()
    # Backend topics the knowledge does not discuss: the scope decision's null class.
    off_topics: tuple[str, ...] = ()
    # A short hash of every knowledge file's bytes (rules and needs too, unlike content_hash,
    # which keys only the passage index): a decision record names the knowledge it came from.
    version: str = ""
    # Indexes derived from the fields above, built on first use (bot.knowledge.mentions).
    derived: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def passage(self, passage_id: str) -> Passage:
        """The passage with id `passage_id` (KeyError when there is none)."""
        return self.by_id[passage_id]

    def ancestors(self, passage_id: str) -> list[str]:
        """Ids of the passages that contain `passage_id`, nearest first."""
        out: list[str] = []
        parent = self.by_id[passage_id].parent
        while parent is not None and parent not in out:
            out.append(parent)
            parent = self.by_id[parent].parent if parent in self.by_id else None
        return out

    def source_title(self, passage_id: str) -> str:
        """The title of the document a passage comes from."""
        source = self.by_id[passage_id].source
        return next((s.title for s in self.sources if s.id == source), source)

    def framework_passages(self, framework_id: str) -> list[Passage]:
        """The passages that speak of a framework, in article order."""
        return [p for p in self.passages if framework_id in p.frameworks]
