"""Load knowledge/ (article.yaml, frameworks.yaml, rules.yaml, any *.md) into a KnowledgeBase."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.datafile import DataError, Node, load_yaml
from bot.knowledge.markdown import markdown_passages
from bot.knowledge.models import (
    ROLES,
    Framework,
    KnowledgeBase,
    Passage,
    Role,
    Rule,
    Source,
    Table,
    TableRow,
    Technology,
)
from bot.knowledge.needs import read_needs
from bot.text import prose_sentences

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass
class _Builder:
    source: str
    passages: list[Passage] = field(default_factory=list)
    lines: dict[str, Node] = field(default_factory=dict)

    def add(self, node: Node, passage: Passage) -> None:
        if passage.id in self.lines:
            first = self.lines[passage.id]
            raise node.error(
                f"duplicate passage id '{passage.id}' (first at {first.path.name}:{first.line})"
            )
        self.lines[passage.id] = node
        self.passages.append(passage)


def _check_id(node: Node) -> str:
    value = node.text()
    if not _ID_RE.match(value):
        raise node.error(f"invalid id '{value}': use lower-case letters, digits, '.', '-', '_'")
    return value


def _frameworks(node: Node, inherited: tuple[str, ...]) -> tuple[str, ...]:
    own = node.get("frameworks")
    return tuple(own.texts()) if own is not None else inherited


def _role(node: Node, inherited: Role) -> Role:
    own = node.get("role")
    if own is None:
        return inherited
    role = own.text()
    if role not in ROLES:
        raise own.error(f"role must be one of {', '.join(ROLES)}, got '{role}'")
    return role


def _read_section(
    node: Node,
    parents: tuple[str, ...],
    inherited: tuple[str, ...],
    out: _Builder,
    parent_id: str | None = None,
    inherited_role: Role = "overview",
) -> list[str]:
    """Add the passages of one section (and its subsections); return the section's text lines."""
    section_id = _check_id(node.require("id"))
    path = (*parents, node.require("title").text())
    frameworks = _frameworks(node, inherited)
    role = _role(node, inherited_role)
    where = f"{node.path.name}:{node.line}"
    lines: list[str] = []
    section_node = node
    start = len(out.passages)
    table = node.get("table")
    if table is not None:
        lines += _read_table(table, section_id, path, frameworks, out, role)
    for bullet in (node.get("bullets") or Node([], node.path, node.line)).items():
        bullet_id = _check_id(bullet.require("id"))
        text = bullet.require("text").text()
        fws = _frameworks(bullet, frameworks)
        origin = f"{bullet.path.name}:{bullet.line}"
        out.add(
            bullet,
            Passage(bullet_id, out.source, path, text, "bullet", fws, origin, section_id, role),
        )
        sentences = prose_sentences(text)
        if len(sentences) > 1:
            for n, sentence in enumerate(sentences, 1):
                passage = Passage(
                    f"{bullet_id}.{n}",
                    out.source,
                    path,
                    sentence,
                    "sentence",
                    fws,
                    origin,
                    bullet_id,
                    role,
                )
                out.add(bullet, passage)
        lines.append(f"- {text}")
    for child in (node.get("sections") or Node([], node.path, node.line)).items():
        child_lines = _read_section(child, path, frameworks, out, section_id, role)
        title = child.require("title").text()
        lines.append(f"{title}: " + "; ".join(line.lstrip("- ") for line in child_lines))
    if not lines:
        raise node.error(f"section '{section_id}' has no bullets, table or subsections")
    text = "\n".join(lines)
    passage = Passage(
        section_id, out.source, path, text, "section", frameworks, where, parent_id, role
    )
    out.add(section_node, passage)
    # The section passage goes before its children, so passages read in article order.
    out.passages.insert(start, out.passages.pop())
    return lines


def _read_table(
    node: Node,
    section_id: str,
    path: tuple[str, ...],
    frameworks: tuple[str, ...],
    out: _Builder,
    role: Role,
) -> list[str]:
    columns = {key: value.text() for key, value in node.require("columns").mapping().items()}
    lines = []
    for row in node.require("rows").items():
        row_id = _check_id(row.require("id"))
        label = row.require("label").text()
        cells_node = row.require("cells")
        cells = {key: value.text() for key, value in cells_node.mapping().items()}
        for column in columns:
            if column not in cells:
                raise cells_node.error(f"row '{row_id}' has no cell for column '{column}'")
        for column in cells:
            if column not in columns:
                raise cells_node.mapping()[column].error(f"unknown column '{column}'")
        origin = f"{row.path.name}:{row.line}"
        row_text = f"{label}: " + " · ".join(f"{columns[c]}: {cells[c]}" for c in columns)
        row_path = (*path, label)
        out.add(
            row,
            Passage(
                f"{section_id}.{row_id}",
                out.source,
                row_path,
                row_text,
                "row",
                frameworks,
                origin,
                section_id,
                role,
            ),
        )
        for column, cell in cells.items():
            text = f"{columns[column]} {label.lower()}: {cell}"
            out.add(
                cells_node.mapping()[column],
                Passage(
                    f"{section_id}.{row_id}.{column}",
                    out.source,
                    row_path,
                    text,
                    "cell",
                    (column,),
                    f"{cells_node.path.name}:{cells_node.mapping()[column].line}",
                    f"{section_id}.{row_id}",
                    role,
                ),
            )
        lines.append(row_text)
    return lines


def _read_article(path: Path) -> tuple[Source, list[Passage], Table, dict[str, Node]]:
    root = load_yaml(path)
    source_node = root.require("source")
    author, published = source_node.get("author"), source_node.get("published")
    source = Source(
        _check_id(source_node.require("id")),
        source_node.require("title").text(),
        path.name,
        author.text() if author is not None else "",
        _iso_date(published) if published is not None else "",
    )
    out = _Builder(source.id)
    tables: list[Table] = []
    for section in root.require("sections").items():
        _read_section(section, (), (), out)
        table = section.get("table")
        if table is not None:
            section_id = section.require("id").text()
            columns = {k: v.text() for k, v in table.require("columns").mapping().items()}
            rows = tuple(
                TableRow(
                    row.require("id").text(),
                    row.require("label").text(),
                    {k: v.text() for k, v in row.require("cells").mapping().items()},
                    f"{section_id}.{row.require('id').text()}",
                )
                for row in table.require("rows").items()
            )
            tables.append(Table(columns, rows))
    if len(tables) != 1:
        raise root.error(f"expected exactly one comparison table, found {len(tables)}")
    return source, out.passages, tables[0], out.lines


# The YAML files load_knowledge reads (beside the Markdown notes).
KNOWLEDGE_FILES = (
    "article.yaml",
    "frameworks.yaml",
    "rules.yaml",
    "glosses.yaml",
    "needs.yaml",
    "uncovered.yaml",
    "off_topics.yaml",
)


def _iso_date(node: Node) -> str:
    """A YYYY-MM-DD date (quoted or not in the YAML); DataError when it is not one."""
    text = node.text()
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise node.error(f"expected a date as YYYY-MM-DD, got '{text}'") from None


def knowledge_version(directory: Path) -> str:
    """A 12-hex-digit hash of every file in `directory` the loader reads, by name and bytes."""
    digest = hashlib.sha256()
    notes = [p for p in directory.glob("*.md") if p.name.lower() != "readme.md"]
    for path in sorted([*(directory / name for name in KNOWLEDGE_FILES), *notes]):
        if not path.is_file():  # the optional ones (glosses, uncovered)
            continue
        digest.update(f"{path.name}\x1f".encode())
        digest.update(path.read_bytes())
        digest.update(b"\x1e")
    # 48 bits: collisions among a project's knowledge versions are not a practical concern.
    return digest.hexdigest()[:12]


def _read_frameworks(path: Path) -> tuple[dict[str, Framework], dict[str, Node]]:
    frameworks: dict[str, Framework] = {}
    nodes: dict[str, Node] = {}
    for node in load_yaml(path).require("frameworks").items():
        fid = _check_id(node.require("id"))
        if fid in frameworks:
            raise node.error(f"duplicate framework id '{fid}'")
        aliases = node.get("aliases")
        frameworks[fid] = Framework(
            id=fid,
            name=node.require("name").text(),
            family=node.require("family").text(),
            language=node.require("language").text(),
            aliases=tuple(a.lower() for a in aliases.texts()) if aliases else (),
            source=node.require("source").text(),
        )
        nodes[fid] = node
    return frameworks, nodes


def _read_rules(
    path: Path, frameworks: dict[str, Framework]
) -> tuple[list[Rule], dict[str, Node]]:
    rules: list[Rule] = []
    nodes: dict[str, Node] = {}
    for node in load_yaml(path).require("rules").items():
        rid = _check_id(node.require("id"))
        if rid in nodes:
            raise node.error(f"duplicate rule id '{rid}'")
        effects_node = node.require("effects")
        effects = {}
        for fid, points in effects_node.mapping().items():
            if fid not in frameworks:
                raise points.error(f"rule '{rid}' names unknown framework '{fid}'")
            effects[fid] = points.number()
        needs_node = node.get("needs")
        needs = tuple(needs_node.texts()) if needs_node is not None else ()
        when_node = node.require("when") if not needs else node.get("when")
        when = {
            slot: tuple(v.texts())
            for slot, v in (when_node.mapping().items() if when_node is not None else ())
        }
        rules.append(
            Rule(
                id=rid,
                source=node.require("source").text(),
                criterion=node.require("criterion").text(),
                reason=node.require("reason").text(),
                when=when,
                effects=effects,
                origin=f"{node.path.name}:{node.line}",
                needs=needs,
            )
        )
        nodes[rid] = node
    return rules, nodes


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Read and validate every file in `directory`; a DataError (file:line) on the first fault."""
    if not directory.is_dir():
        raise DataError(directory, 1, "knowledge directory not found")
    source, passages, table, passage_nodes = _read_article(directory / "article.yaml")
    sources = [source]
    frameworks, framework_nodes = _read_frameworks(directory / "frameworks.yaml")
    for md in sorted(directory.glob("*.md")):
        if md.name.lower() == "readme.md":
            continue
        md_source, md_passages = markdown_passages(md, frameworks)
        sources.append(md_source)
        for passage in md_passages:
            if passage.id in passage_nodes:
                raise DataError(
                    md,
                    int(passage.origin.rsplit(":", 1)[1]),
                    f"duplicate passage id '{passage.id}'",
                )
            passage_nodes[passage.id] = Node(None, md, int(passage.origin.rsplit(":", 1)[1]))
        passages += md_passages
    by_id = {p.id: p for p in passages}
    for passage in passages:
        for fid in passage.frameworks:
            if fid not in frameworks:
                raise passage_nodes[passage.id].error(
                    f"passage '{passage.id}' names unknown framework '{fid}'"
                )
    for column in table.columns:
        if column not in frameworks:
            raise DataError(
                directory / "article.yaml",
                1,
                f"table column '{column}' is not a framework in frameworks.yaml",
            )
    for fid, framework in frameworks.items():
        if framework.source not in by_id:
            raise (
                framework_nodes[fid]
                .require("source")
                .error(f"framework '{fid}' cites unknown passage '{framework.source}'")
            )
    rules, rule_nodes = _read_rules(directory / "rules.yaml", frameworks)
    for rule in rules:
        if rule.source not in by_id:
            raise (
                rule_nodes[rule.id]
                .require("source")
                .error(f"rule '{rule.id}' cites unknown passage '{rule.source}'")
            )
    glosses, role_words = _read_glosses(directory / "glosses.yaml", by_id)
    needs, not_needs = read_needs(directory / "needs.yaml", by_id, frameworks, rules, rule_nodes)
    uncovered = _read_uncovered(directory / "uncovered.yaml", frameworks)
    off_topics = _read_off_topics(directory / "off_topics.yaml")
    # Knowledge that speaks of a catalogued technology covers it (a Markdown note on
    # Kubernetes): only what no passage names stays uncovered.
    said = " ".join(p.text for p in passages)
    uncovered = tuple(
        t for t in uncovered if not any(_word_in(alias, said) for alias in t.aliases)
    )
    digest = hashlib.sha256()
    for passage in passages:
        digest.update(f"{passage.id}\x1f{passage.index_text}\x1e".encode())
        for gloss in glosses.get(passage.id, ()):
            digest.update(f"{gloss}\x1e".encode())
    for role, words in sorted(role_words.items()):
        digest.update(f"{role}\x1f{words}\x1e".encode())
    return KnowledgeBase(
        sources=tuple(sources),
        passages=tuple(passages),
        frameworks=frameworks,
        table=table,
        rules=tuple(rules),
        content_hash=digest.hexdigest()[:16],
        by_id=by_id,
        glosses=glosses,
        uncovered=uncovered,
        role_words=role_words,
        needs=needs,
        not_needs=not_needs,
        off_topics=off_topics,
        version=knowledge_version(directory),
    )


def _word_in(phrase: str, text: str) -> bool:
    return (
        re.search(rf"(?<![\w.#+]){re.escape(phrase)}(?![\w#+])", text, re.IGNORECASE) is not None
    )


def _read_uncovered(path: Path, frameworks: dict[str, Framework]) -> tuple[Technology, ...]:
    """knowledge/uncovered.yaml: technologies the knowledge does not cover (optional)."""
    if not path.is_file():
        return ()
    covered = {name.lower() for f in frameworks.values() for name in (f.id, f.name, *f.aliases)}
    out: list[Technology] = []
    seen: set[str] = set()
    for node in load_yaml(path).require("uncovered").items():
        name = node.require("name").text()
        aliases_node = node.require("aliases")
        aliases = tuple(a.strip().lower() for a in aliases_node.texts())
        for alias in aliases:
            if not alias or alias in covered:
                raise aliases_node.error(
                    f"'{alias}' names a framework the knowledge covers (frameworks.yaml)"
                    if alias
                    else "empty alias"
                )
            if alias in seen:
                raise aliases_node.error(f"alias '{alias}' is listed twice")
            seen.add(alias)
        out.append(Technology(name, aliases))
    return tuple(out)


def _read_off_topics(path: Path) -> tuple[str, ...]:
    """knowledge/off_topics.yaml: backend topics the knowledge does not discuss (optional)."""
    if not path.is_file():
        return ()
    node = load_yaml(path).require("off_topics")
    topics = tuple(t.strip() for t in node.texts())
    if not all(topics) or len(set(topics)) != len(topics):
        raise node.error("off_topics must be distinct non-empty texts")
    return topics


def _read_glosses(
    path: Path, by_id: dict[str, Passage]
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """knowledge/glosses.yaml: passage id -> other phrasings, role -> plain words (optional)."""
    if not path.is_file():
        return {}, {}
    root = load_yaml(path)
    roles: dict[str, str] = {}
    roles_node = root.get("roles")
    for role, node in (roles_node.mapping() if roles_node is not None else {}).items():
        if role not in ROLES:
            raise node.error(f"unknown role '{role}' (one of {', '.join(ROLES)})")
        roles[role] = node.text()
    out: dict[str, tuple[str, ...]] = {}
    for passage_id, node in root.require("glosses").mapping().items():
        if passage_id not in by_id:
            raise node.error(f"glosses for unknown passage '{passage_id}'")
        texts = tuple(t.strip() for t in node.texts())
        if not texts or not all(texts):
            raise node.error(f"glosses of '{passage_id}' must be a list of non-empty texts")
        out[passage_id] = texts
    return out, roles
