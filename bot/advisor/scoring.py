"""Score frameworks from the decision rules; decide what to ask next and when to stop.

Every possible form (each slot unknown or one of its values) is scored once at start-up:
six slots make about ten thousand forms, a small matrix. "Could any remaining answer change
the pick?" and "which question splits the candidates most?" are then array look-ups.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

from bot.datafile import DataError
from bot.form import FormSpec
from bot.knowledge import KnowledgeBase, Rule

# A pick ahead of its runner-up by no more than this is called a close call.
CLOSE_CALL = 1.0

# Equal totals go to the framework with fewer points against it (watch-outs the team's answers
# hit): a Java platform on Lambda ties Spring Boot and Quarkus at 12, and cold starts are a
# Spring Boot watch-out. Rules give multiples of 0.25 and a form's negative points stay under
# 50, so this weight (50 x 0.001 < 0.25) reorders ties only.
TIE_WEIGHT = 0.001


@dataclass(frozen=True, slots=True)
class Scoring:
    """Scores of one form: totals, points per criterion, the rules that fired (and the need
    that fired each rule the slots alone would not have), and the frameworks ruled out."""

    totals: dict[str, float]
    by_criterion: dict[str, dict[str, float]]
    fired: tuple[Rule, ...]
    ranking: tuple[str, ...]  # best first, without the frameworks ruled out
    by_need: dict[str, str] = field(default_factory=dict)  # rule id -> need id
    excluded: frozenset[str] = frozenset()
    # rule id -> the points it gave, where they differ from its effects (see Scorer.score).
    points: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def pick(self) -> str:
        """The best framework id (ties: see TIE_WEIGHT, then frameworks.yaml order)."""
        return self.ranking[0]

    def effect(self, rule: Rule, fid: str) -> float:
        """The points `rule` gave framework `fid` in this scoring."""
        return self.points.get(rule.id, rule.effects).get(fid, 0.0)


# Form states Scorer.status remembers (least recently used out first; a few hundred bytes each).
STATUS_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class FormStatus:
    """Where a form stands: the pick so far, and which unanswered slots could still change it."""

    pick: str
    open_slots: tuple[str, ...]  # slots whose answer could still change the pick
    next_slot: str | None  # the most informative of them

    @property
    def done(self) -> bool:
        """True when no remaining answer could change the pick."""
        return not self.open_slots


def validate_rules(kb: KnowledgeBase, spec: FormSpec, rules_path: Path) -> None:
    """Check rules' slot names and values against intents/, and slots' passages; DataError.

    (Rules' needs are checked against knowledge/needs.yaml when the knowledge loads.)
    """
    for slot in spec.slots:
        if slot.source not in kb.by_id:
            line = int(slot.origin.rsplit(":", 1)[1]) if ":" in slot.origin else 1
            raise DataError(
                spec.slots_file, line, f"slot '{slot.name}' cites unknown passage '{slot.source}'"
            )
    for rule in kb.rules:
        line = int(rule.origin.rsplit(":", 1)[1]) if ":" in rule.origin else 1
        for slot_name, values in rule.when.items():
            if slot_name not in spec.slot_names:
                raise DataError(
                    rules_path,
                    line,
                    f"rule '{rule.id}' uses unknown slot '{slot_name}' "
                    f"(declared in {spec.slots_file.name}: {', '.join(spec.slot_names)})",
                )
            slot = spec.slot(slot_name)
            for value in values:
                if value not in slot.values:
                    raise DataError(
                        rules_path,
                        line,
                        f"rule '{rule.id}' uses unknown value '{value}' for slot '{slot_name}' "
                        f"(one of: {', '.join(slot.values)})",
                    )


# Picks of every form for a set of stated needs and ruled-out frameworks (a few kB each).
PICKS_CACHE_SIZE = 64
LANGUAGE_SLOT = "team_language"
TEAM_SKILLS = "team skills"
# The need of knowledge/needs.yaml that says the team would leave its language ("we're open
# to switching languages"): only then may a need read from the words outweigh team skills.
OPEN_TO_OTHER_LANGUAGES = "other-language"


class Scorer:
    """Transparent, deterministic scoring of forms against the knowledge base's rules.

    A rule fires when the slots satisfy its `when`, or when one of its needs was stated.
    Frameworks ruled out (by name, or by ruling out their language) are never picked.

    A need read from the user's words never outweighs the team's language ("pick by team
    skills ... not by benchmark snippets", bottom-line.pick): with a language given and no
    word of openness (OPEN_TO_OTHER_LANGUAGES), a rule only a need fired moves the frameworks
    written in that language, and a drop it gives them all alike is left out (CPU-heavy work
    lowers every Node framework: for a JavaScript team it says nothing about which). "Java
    team, we want the api to respond fast" read as raw throughput gave Go 11 points to Spring
    Boot's 10. The slots stated in full still decide the article's two exceptions.
    """

    def __init__(self, kb: KnowledgeBase, spec: FormSpec) -> None:
        self.kb, self.spec = kb, spec
        self._status_cache: LRUCache[Any, FormStatus] = LRUCache(maxsize=STATUS_CACHE_SIZE)
        self._picks_cache: LRUCache[Any, np.ndarray] = LRUCache(maxsize=PICKS_CACHE_SIZE)
        self.framework_ids = tuple(kb.frameworks)
        # team_language value -> the frameworks its team-skills rule scores (written in it).
        self.written_in: dict[str, frozenset[str]] = {}
        for rule in kb.rules:
            if rule.criterion == TEAM_SKILLS and set(rule.when) == {LANGUAGE_SLOT}:
                for value in rule.when[LANGUAGE_SLOT]:
                    fids = {f for f, p in rule.effects.items() if p > 0}
                    self.written_in[value] = self.written_in.get(value, frozenset()) | fids
        self._slot_names = spec.slot_names
        # Column j holds slot j's value index: 0 means unknown, k means the k-th option.
        self._choices = [(None, *s.values) for s in spec.slots]
        sizes = [len(c) for c in self._choices]
        grids = np.indices(sizes).reshape(len(sizes), -1).T
        self._forms = grids.astype(np.int16)
        self._radix = np.array(
            [int(np.prod(sizes[j + 1 :])) for j in range(len(sizes))], dtype=np.int64
        )
        self._codes = self._forms.astype(np.int64) @ self._radix
        totals = np.zeros((len(self._forms), len(self.framework_ids)))
        # Per rule: the forms whose slots fire it, and its points per framework.
        self._rule_masks: list[np.ndarray] = []
        self._rule_points: list[np.ndarray] = []
        for rule in kb.rules:
            mask = (
                np.ones(len(self._forms), dtype=bool)
                if rule.when
                else np.zeros(len(self._forms), dtype=bool)
            )
            for slot_name, values in rule.when.items():
                j = self._slot_names.index(slot_name)
                idx = [self._choices[j].index(v) for v in values if v in self._choices[j]]
                mask &= np.isin(self._forms[:, j], idx)
            points = np.zeros(len(self.framework_ids))
            for fid, effect in rule.effects.items():
                points[self.framework_ids.index(fid)] += effect
            totals[mask] += _ranked(points)
            self._rule_masks.append(mask)
            self._rule_points.append(points)
        self._totals = totals  # ranking keys (see TIE_WEIGHT), not the totals shown
        # np.argmax keeps the first of equal keys: then ties go to frameworks.yaml order.
        self._picks: np.ndarray = np.argmax(totals, axis=1)
        # Each rule's points when only a need fired it, per team language (see the docstring),
        # and the forms of each language.
        self._within: list[dict[str, np.ndarray]] = []
        for points in self._rule_points:
            self._within.append(
                {value: self._restricted(points, value) for value in self.written_in}
            )
        self._language_rows: dict[str, np.ndarray] = {}
        if LANGUAGE_SLOT in self._slot_names:
            j = self._slot_names.index(LANGUAGE_SLOT)
            for value in self.written_in:
                if value in self._choices[j]:
                    rows = self._forms[:, j] == self._choices[j].index(value)
                    self._language_rows[value] = rows

    def _restricted(self, points: np.ndarray, language: str) -> np.ndarray:
        """`points` on the frameworks written in `language` only, less a drop they all share."""
        columns = [self.framework_ids.index(f) for f in self.written_in[language]]
        out = np.zeros_like(points)
        out[columns] = points[columns]
        top = float(out[columns].max())
        if top < 0:
            out[columns] -= top
        return out

    def binding(self, slots: Mapping[str, str], needs: Collection[str]) -> str | None:
        """The team language a need cannot outweigh: the one given, unless the user said they
        are open to another (None: no language given, or open, or mixed)."""
        language = slots.get(LANGUAGE_SLOT)
        if language not in self.written_in or OPEN_TO_OTHER_LANGUAGES in needs:
            return None
        return language

    def excluded(
        self, negated: Mapping[str, Collection[str]] | None = None, names: Collection[str] = ()
    ) -> frozenset[str]:
        """Frameworks never to pick: those named in `names`, and those written in a language
        `negated` rules out (empty if that would rule out every framework)."""
        out = set(names)
        for value in (negated or {}).get(LANGUAGE_SLOT, ()):
            out |= self.written_in.get(value, frozenset())
        out &= set(self.framework_ids)
        return frozenset(out) if len(out) < len(self.framework_ids) else frozenset()

    def score(
        self,
        slots: Mapping[str, str],
        needs: Collection[str] = (),
        excluded: Collection[str] = (),
    ) -> Scoring:
        """Totals and per-criterion points for the filled `slots` and stated `needs` (unknown
        slots add nothing); the ranking leaves out the `excluded` frameworks."""
        totals = dict.fromkeys(self.framework_ids, 0.0)
        against = dict.fromkeys(self.framework_ids, 0.0)
        by_criterion: dict[str, dict[str, float]] = {}
        fired = []
        by_need: dict[str, str] = {}
        given: dict[str, dict[str, float]] = {}
        language = self.binding(slots, needs)
        for k, rule in enumerate(self.kb.rules):
            by_slots = bool(rule.when) and all(
                slots.get(name) in values for name, values in rule.when.items()
            )
            need = next((n for n in rule.needs if n in needs), None)
            if not by_slots and need is None:
                continue
            fired.append(rule)
            if need is not None:
                by_need[rule.id] = need
            effects = rule.effects
            if not by_slots and language is not None:
                within = zip(self.framework_ids, self._within[k][language], strict=True)
                effects = {f: float(p) for f, p in within if p}
                if effects != rule.effects:
                    given[rule.id] = effects
            row = by_criterion.setdefault(rule.criterion, dict.fromkeys(self.framework_ids, 0.0))
            for fid, points in effects.items():
                totals[fid] += points
                against[fid] += min(points, 0.0)
                row[fid] += points
        order = {fid: n for n, fid in enumerate(self.framework_ids)}
        out = frozenset(excluded) & set(self.framework_ids)
        if len(out) >= len(self.framework_ids):
            out = frozenset()
        ranking = tuple(
            sorted(
                (f for f in totals if f not in out),
                key=lambda f: (-totals[f], -against[f], order[f]),
            )
        )
        return Scoring(totals, by_criterion, tuple(fired), ranking, by_need, out, given)

    def _form_picks(self, needs: frozenset[str], excluded: frozenset[str]) -> np.ndarray:
        """The pick (column index) of every form, given the stated needs and exclusions."""
        if not needs and not excluded:
            return self._picks
        key = (needs, excluded)
        cached: np.ndarray | None = self._picks_cache.get(key)
        if cached is None:
            totals = self._totals.copy()
            open_to_others = OPEN_TO_OTHER_LANGUAGES in needs
            for n, (rule, mask, points) in enumerate(
                zip(self.kb.rules, self._rule_masks, self._rule_points, strict=True)
            ):
                if not needs.intersection(rule.needs):
                    continue
                # Fired by the need where the slots did not; within the team's language.
                bound = np.zeros(len(self._forms), dtype=bool)
                if not open_to_others:
                    for value, rows in self._language_rows.items():
                        totals[~mask & rows] += _ranked(self._within[n][value])
                        bound |= rows
                totals[~mask & ~bound] += _ranked(points)
            for fid in excluded:
                totals[:, self.framework_ids.index(fid)] = -np.inf
            cached = self._picks_cache[key] = np.argmax(totals, axis=1)
        return cached

    def _consistent(
        self, slots: dict[str, str], skipped: list[str], negated: dict[str, list[str]]
    ) -> np.ndarray:
        mask = np.ones(len(self._forms), dtype=bool)
        for j, name in enumerate(self._slot_names):
            column = self._forms[:, j]
            if slots.get(name) in self._choices[j][1:]:
                mask &= column == self._choices[j].index(slots[name])
            elif name in skipped:
                mask &= column == 0
            else:
                ruled_out = [
                    self._choices[j].index(v)
                    for v in negated.get(name, [])
                    if v in self._choices[j][1:]
                ]
                if ruled_out:
                    mask &= ~np.isin(column, ruled_out)
        return mask

    def status(
        self,
        slots: dict[str, str],
        skipped: list[str] | None = None,
        negated: dict[str, list[str]] | None = None,
        needs: Collection[str] = (),
        excluded: Collection[str] = (),
    ) -> FormStatus:
        """The pick so far, the slots that could still change it, and the best one to ask.

        `needs` are the needs stated so far; `excluded` the frameworks ruled out by name (those
        of a ruled-out language are added here).
        """
        skipped, negated = skipped or [], negated or {}
        out = self.excluded(negated, excluded)
        # A pure function of a finite form space, and every chat walks the same first steps:
        # cached, a 200-chat run spent 35% of the event loop here (1.3 ms a call) instead.
        key = (
            frozenset(slots.items()),
            frozenset(skipped),
            frozenset((k, frozenset(v)) for k, v in negated.items()),
            frozenset(needs),
            out,
        )
        cached = self._status_cache.get(key)
        if cached is None:
            cached = self._status_cache[key] = self._status(
                slots, skipped, negated, frozenset(needs), out
            )
        return cached

    def _status(
        self,
        slots: dict[str, str],
        skipped: list[str],
        negated: dict[str, list[str]],
        needs: frozenset[str],
        excluded: frozenset[str],
    ) -> FormStatus:
        mask = self._consistent(slots, skipped, negated)
        all_picks = self._form_picks(needs, excluded)
        picks, codes, forms = all_picks[mask], self._codes[mask], self._forms[mask]
        pick = self.score(slots, needs, excluded).pick
        open_slots: list[str] = []
        entropies: dict[str, float] = {}
        n_fw = len(self.framework_ids)
        for j, name in enumerate(self._slot_names):
            if name in slots or name in skipped:
                continue
            # The slot matters if two forms differing only in it have different picks.
            # Counting with bincount (keys < len(all forms), 10,584 today) instead of
            # np.unique's sort: status() went from 8.6 ms to a fraction of one per call.
            keys = codes - forms[:, j].astype(np.int64) * self._radix[j]
            pairs = np.count_nonzero(np.bincount(keys * n_fw + picks))
            if pairs > np.count_nonzero(np.bincount(keys)):
                open_slots.append(name)
                entropies[name] = _conditional_entropy(forms[:, j], picks, n_fw)
        next_slot = min(
            open_slots, key=lambda s: (entropies[s], open_slots.index(s)), default=None
        )
        return FormStatus(self.kb.frameworks[pick].id, tuple(open_slots), next_slot)


def _ranked(points: np.ndarray) -> np.ndarray:
    """A rule's points as ranking keys: its negative points count again, by TIE_WEIGHT."""
    ranked: np.ndarray = points + TIE_WEIGHT * np.minimum(points, 0.0)
    return ranked


def _conditional_entropy(values: np.ndarray, picks: np.ndarray, n_picks: int) -> float:
    """H(pick | slot value) over equally likely forms: lower means a more useful question."""
    total = len(values)
    # One joint histogram (slot value x pick) replaces a np.unique per value.
    joint = np.bincount(values.astype(np.int64) * n_picks + picks).astype(np.float64)
    joint = np.pad(joint, (0, -len(joint) % n_picks)).reshape(-1, n_picks)
    entropy = 0.0
    for counts in joint:
        chosen = counts.sum()
        if chosen == 0:
            continue
        p = counts[counts > 0] / chosen
        entropy += chosen / total * -sum(float(q) * math.log2(float(q)) for q in p)
    return entropy
