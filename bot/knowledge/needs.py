"""knowledge/needs.yaml: what users say when they need what a passage offers, validated."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.datafile import Node, load_yaml
from bot.knowledge.models import Framework, Need, Passage, Rule

if TYPE_CHECKING:
    from collections.abc import Mapping


def read_needs(
    path: Path,
    by_id: Mapping[str, Passage],
    frameworks: Mapping[str, Framework],
    rules: list[Rule],
    rule_nodes: Mapping[str, Node],
) -> tuple[dict[str, Need], tuple[str, ...]]:
    """Need id -> Need, and the statements that state no need (optional file); DataError
    (file:line) on unknown ids or empty lists.

    Also checks that every need a rule names in rules.yaml is declared here.
    """
    needs: dict[str, Need] = {}
    not_needs: tuple[str, ...] = ()
    if path.is_file():
        root = load_yaml(path)
        if root.get("not_needs") is not None:
            not_needs = tuple(t.strip() for t in root.require("not_needs").texts())
        for node in root.require("needs").items():
            nid = node.require("id").text()
            if nid in needs:
                raise node.error(f"duplicate need id '{nid}'")
            passage = node.require("passage")
            if passage.text() not in by_id:
                raise passage.error(f"need '{nid}' cites unknown passage '{passage.text()}'")
            favours_node = node.get("favours")
            favours = tuple(favours_node.texts()) if favours_node is not None else ()
            for fid in favours:
                if fid not in frameworks:
                    raise node.error(f"need '{nid}' favours unknown framework '{fid}'")
            says = tuple(t.strip() for t in node.require("says").texts())
            if not says or not all(says):
                raise node.require("says").error(f"need '{nid}' needs a list of phrasings")
            needs[nid] = Need(
                id=nid,
                label=node.require("label").text(),
                passage=passage.text(),
                favours=favours,
                says=says,
                origin=f"{node.path.name}:{node.line}",
            )
    for rule in rules:
        for nid in rule.needs:
            if nid not in needs:
                raise rule_nodes[rule.id].error(
                    f"rule '{rule.id}' names unknown need '{nid}' (not in {path.name})"
                )
    return needs, not_needs
