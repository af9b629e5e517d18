"""Score frameworks from the decision rules; decide what to ask next and when to stop.

Every possible form (each slot unknown or one of its values) is scored once at start-up:
six slots make about ten thousand forms, a small matrix. "Could any remaining answer change
the pick?" and "which question splits the candidates most?" are then array look-ups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache

from bot.datafile import DataError
from bot.form import FormSpec
from bot.knowledge import KnowledgeBase, Rule

# A pick ahead of its runner-up by no more than this is called a close call.
CLOSE_CALL = 1.0


@dataclass(frozen=True, slots=True)
class Scoring:
    """Scores of one form: totals, points per criterion, and the rules that fired."""

    totals: dict[str, float]
    by_criterion: dict[str, dict[str, float]]
    fired: tuple[Rule, ...]
    ranking: tuple[str, ...]

    @property
    def pick(self) -> str:
        """The best framework id (ties go to the earlier framework in frameworks.yaml)."""
        return self.ranking[0]


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
    """Check rules' slot names and values against intents/, and slots' passages; DataError."""
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


class Scorer:
    """Transparent, deterministic scoring of forms against the knowledge base's rules."""

    def __init__(self, kb: KnowledgeBase, spec: FormSpec) -> None:
        self.kb, self.spec = kb, spec
        self._status_cache: LRUCache[Any, FormStatus] = LRUCache(maxsize=STATUS_CACHE_SIZE)
        self.framework_ids = tuple(kb.frameworks)
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
        for rule in kb.rules:
            mask = np.ones(len(self._forms), dtype=bool)
            for slot_name, values in rule.when.items():
                j = self._slot_names.index(slot_name)
                idx = [self._choices[j].index(v) for v in values if v in self._choices[j]]
                mask &= np.isin(self._forms[:, j], idx)
            for fid, points in rule.effects.items():
                totals[mask, self.framework_ids.index(fid)] += points
        # np.argmax keeps the first of equal scores: ties go to frameworks.yaml order.
        self._picks = np.argmax(totals, axis=1)

    def score(self, slots: dict[str, str]) -> Scoring:
        """Totals and per-criterion points for the filled `slots` (unknown slots add nothing)."""
        totals = dict.fromkeys(self.framework_ids, 0.0)
        by_criterion: dict[str, dict[str, float]] = {}
        fired = []
        for rule in self.kb.rules:
            if all(slots.get(name) in values for name, values in rule.when.items()):
                fired.append(rule)
                row = by_criterion.setdefault(
                    rule.criterion, dict.fromkeys(self.framework_ids, 0.0)
                )
                for fid, points in rule.effects.items():
                    totals[fid] += points
                    row[fid] += points
        order = {fid: n for n, fid in enumerate(self.framework_ids)}
        ranking = tuple(sorted(totals, key=lambda f: (-totals[f], order[f])))
        return Scoring(totals, by_criterion, tuple(fired), ranking)

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
    ) -> FormStatus:
        """The pick so far, the slots that could still change it, and the best one to ask."""
        skipped, negated = skipped or [], negated or {}
        # A pure function of a finite form space, and every chat walks the same first steps:
        # cached, a 200-chat run spent 35% of the event loop here (1.3 ms a call) instead.
        key = (
            frozenset(slots.items()),
            frozenset(skipped),
            frozenset((k, frozenset(v)) for k, v in negated.items()),
        )
        cached = self._status_cache.get(key)
        if cached is None:
            cached = self._status_cache[key] = self._status(slots, skipped, negated)
        return cached

    def _status(
        self, slots: dict[str, str], skipped: list[str], negated: dict[str, list[str]]
    ) -> FormStatus:
        mask = self._consistent(slots, skipped, negated)
        picks, codes, forms = self._picks[mask], self._codes[mask], self._forms[mask]
        pick = self.score(slots).pick
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
