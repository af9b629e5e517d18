"""A pick a team can defend: reasons with their passages, watch-outs, runner-up, what flips it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.advisor.scoring import CLOSE_CALL, OPEN_TO_OTHER_LANGUAGES, Scorer, Scoring
from bot.form import FormSpec
from bot.knowledge import Framework, KnowledgeBase, Rule
from bot.knowledge.mentions import mentioned_frameworks

MAX_REASONS = 5
MIN_REASONS = 3
# Distinct passages a pick cites at least (Go and Rust: the article has one for them).
MIN_CITED = 2
# An underrated framework within this many points of the pick is worth a mention.
UNDERRATED_WITHIN = 2.0


class Stated(Protocol):
    """A need the user stated: its id in knowledge/needs.yaml, their words, the similarity."""

    @property
    def need(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...


@dataclass(frozen=True, slots=True)
class StatedNeed:
    """A need the user stated (what the dialogue state keeps between turns)."""

    need: str
    text: str
    score: float = 1.0


@dataclass(frozen=True, slots=True)
class Reason:
    """A statement and the passage id it comes from (`rule`: the rule it states, if one)."""

    text: str
    source: str
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Change:
    """One answer change that flips the pick (`slot` "needs": a need to state, `value` its id)."""

    slot: str
    value: str
    pick: str
    text: str


@dataclass(frozen=True, slots=True)
class Edge:
    """One criterion of a why-not: the points of the pick and of the other framework there,
    and the rules (statement, passage) that gave the difference."""

    criterion: str
    pick_points: float
    other_points: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class WhyNot:
    """Why the pick beat another framework: where it won, where the other led, what flips it.

    `ruled_out` says why the other could not be picked at all (empty when it could).
    """

    pick: Framework
    other: Framework
    pick_total: float
    other_total: float
    won: tuple[Edge, ...]
    lost: tuple[Edge, ...]
    flip: Change | None
    ruled_out: str = ""


@dataclass(slots=True)
class Recommendation:
    """The advisor's verdict for one form."""

    slots: dict[str, str | None]
    pick: Framework
    runner_up: Framework
    margin: float
    scores: dict[str, float]  # the top few, best first
    totals: dict[str, float] = field(default_factory=dict)  # every framework
    reasons: list[Reason] = field(default_factory=list)
    watch_out: list[Reason] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    also_consider: list[Reason] = field(default_factory=list)
    table: tuple[tuple[str, ...], ...] = ()
    # What the answers came from: [{"slot", "value", "from"}] (the user's words).
    understood: list[dict[str, str]] = field(default_factory=list)
    # The needs stated, with the passage each reached: [{"text", "passage", "score"}].
    needs: list[dict[str, Any]] = field(default_factory=list)
    excluded: tuple[str, ...] = ()  # frameworks never picked (ruled out, or their language)
    # Criterion -> framework id -> points: the score table's rows, for every framework.
    by_criterion: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def close_call(self) -> bool:
        """True when the runner-up is within CLOSE_CALL points."""
        return self.margin <= CLOSE_CALL

    def to_json(self) -> dict[str, Any]:
        """The `recommend --json` line: slots, pick, runner-up, scores, reasons, watch-outs."""
        return {
            "slots": self.slots,
            "pick": {"id": self.pick.id, "name": self.pick.name},
            "runner_up": {"id": self.runner_up.id, "name": self.runner_up.name},
            "scores": {
                fid: round(score, 2)
                for fid, score in sorted(
                    (self.totals or self.scores).items(), key=lambda item: -item[1]
                )
            },
            "reasons": [{"text": r.text, "source": r.source} for r in self.reasons],
            "watch_out": [w.text for w in self.watch_out],
            "what_would_change": [c.text for c in self.changes],
            "understood": self.understood,
            "needs": self.needs,
        }


class Advisor:
    """Turns filled slots into a justified Recommendation."""

    def __init__(self, kb: KnowledgeBase, spec: FormSpec, scorer: Scorer | None = None) -> None:
        self.kb, self.spec = kb, spec
        self.scorer = scorer or Scorer(kb, spec)

    def runner_up(self, ranking: tuple[str, ...], totals: dict[str, float], pick: str) -> str:
        """The best real alternative: another family, or a sibling the article treats apart.

        Quarkus and Micronaut share one passage, so one is never the other's runner-up; Django
        and FastAPI do not ("increasingly the right call when teams reach for Django").
        """
        chosen = self.kb.frameworks[pick]
        best = None
        for fid in ranking:
            other = self.kb.frameworks[fid]
            if fid == pick or (other.family == chosen.family and other.source == chosen.source):
                continue
            if best is None or totals[fid] > totals[best]:
                best = fid
            elif totals[fid] == totals[best] and other.family == chosen.family:
                best = fid  # on a tie, the sibling is the more useful comparison
        return best or next(f for f in ranking if f != pick)

    def recommend(
        self,
        slots: dict[str, str],
        negated: dict[str, list[str]] | None = None,
        needs: Sequence[Stated] = (),
        excluded: Collection[str] = (),
        said: Mapping[str, str] | None = None,
    ) -> Recommendation:
        """The pick for `slots` and the stated `needs`, never a framework in `excluded` or of a
        language `negated` rules out; with reasons (a need's quote the user's words),
        watch-outs, runner-up, table and what flips it. `said`: slot -> the user's words."""
        negated = negated or {}
        out = self.scorer.excluded(negated, excluded)
        need_ids = [n.need for n in needs]
        scoring = self.scorer.score(slots, need_ids, out)
        pick_id = scoring.pick
        runner_id = self.runner_up(scoring.ranking, scoring.totals, pick_id)
        totals = scoring.totals
        rec = Recommendation(
            slots={name: slots.get(name) for name in self.spec.slot_names},
            pick=self.kb.frameworks[pick_id],
            runner_up=self.kb.frameworks[runner_id],
            margin=round(totals[pick_id] - totals[runner_id], 2),
            scores={fid: totals[fid] for fid in scoring.ranking[:6]},
            totals=dict(totals),
        )
        words = {n.need: n.text for n in needs}
        rec.reasons = self._reasons(scoring, pick_id, runner_id, words)
        rec.watch_out = self._watch_outs(scoring, pick_id, words)
        rec.changes = self._changes(slots, negated, pick_id, need_ids, out)
        rec.also_consider = self._underrated(totals, pick_id, out)
        rec.table = self._table(scoring.by_criterion, totals, pick_id, runner_id, scoring.ranking)
        rec.excluded = tuple(sorted(out))
        rec.by_criterion = {c: dict(points) for c, points in scoring.by_criterion.items()}
        said = said or {}
        rec.understood = [
            {"slot": name, "value": slots[name], "from": said.get(name, "")}
            for name in self.spec.slot_names
            if name in slots
        ]
        rec.needs = [
            {
                "text": n.text,
                "passage": self.kb.needs[n.need].passage if n.need in self.kb.needs else "",
                "score": round(float(n.score), 3),
            }
            for n in needs
        ]
        return rec

    def why_not(
        self,
        other: str,
        slots: dict[str, str],
        negated: dict[str, list[str]] | None = None,
        needs: Sequence[Stated] = (),
        excluded: Collection[str] = (),
    ) -> WhyNot:
        """Why the pick for these answers is not `other`: the criteria where it beat `other`
        (points and the rules behind them), those where `other` led, and the one answer
        change that would make `other` the pick, if any."""
        negated = negated or {}
        out = self.scorer.excluded(negated, excluded)
        need_ids = [n.need for n in needs]
        scoring = self.scorer.score(slots, need_ids, out)
        pick = scoring.pick
        words = {n.need: n.text for n in needs}
        edges: dict[str, list[Reason]] = {}
        for rule in scoring.fired:
            if scoring.effect(rule, pick) != scoring.effect(rule, other):
                quoted = self._quoted(rule, scoring, words)
                reason = Reason(quoted or _sentence(rule.reason), rule.source)
                if reason not in edges.setdefault(rule.criterion, []):
                    edges[rule.criterion].append(reason)
        won, lost = [], []
        for criterion, reasons in edges.items():
            points = scoring.by_criterion[criterion]
            edge = Edge(criterion, points[pick], points[other], tuple(reasons))
            if edge.pick_points > edge.other_points:
                won.append(edge)
            elif edge.pick_points < edge.other_points:
                lost.append(edge)
        won.sort(key=lambda e: e.other_points - e.pick_points)
        ruled_out = ""
        if other in out:
            framework = self.kb.frameworks[other]
            ruled_out = (
                f"You ruled {framework.name} out."
                if other in excluded
                else f"You ruled out its language ({framework.language})."
            )
        flips = [c for c in self._changes(slots, negated, pick, need_ids, out, every=True)]
        flip = next((c for c in flips if c.pick == other), None)
        return WhyNot(
            self.kb.frameworks[pick],
            self.kb.frameworks[other],
            scoring.totals[pick],
            scoring.totals[other],
            tuple(won),
            tuple(lost),
            flip,
            ruled_out,
        )

    def _lower(self, text: str) -> str:
        """`text` with a lower-case first letter, unless it starts with a framework's name."""
        first = text.split(maxsplit=1)[0].strip(".,:;").lower() if text else ""
        names = {n.lower() for f in self.kb.frameworks.values() for n in (f.name, *f.aliases)}
        return text if first in names else text[:1].lower() + text[1:]

    def _quoted(self, rule: Rule, scoring: Scoring, words: Mapping[str, str]) -> str | None:
        """'You said "..." → <the rule's passage>' when a stated need fired the rule."""
        need = scoring.by_need.get(rule.id)
        # A need without words (a shared pick carries need ids only) cites the article alone.
        if need is None or not words.get(need):
            return None
        return _sentence(f'You said "{words[need]}" → {self.kb.passage(rule.source).text}')

    def _elsewhere(self, rule: Rule, pick: str) -> bool:
        """True when `rule` is the case for another framework, which it favours more and
        names ("a small, fast-moving team is the article's case for Django" also gives FastAPI
        a quarter point, but is no reason to pick FastAPI)."""
        named = set(mentioned_frameworks(rule.reason, self.kb))
        if not named or pick in named:
            return False
        top = max(rule.effects.values(), default=0.0)
        favoured = any(rule.effects.get(f, 0) == top for f in named)
        return favoured and rule.effects.get(pick, 0) < top

    def _reasons(
        self, scoring: Scoring, pick: str, runner: str, words: Mapping[str, str]
    ) -> list[Reason]:
        fired = scoring.fired
        # The user's own words first: a need they stated is the reason they will recognise.
        # A rule is a reason for the pick when it gave the pick points (a need the team's
        # language bound gives none to other languages' frameworks).
        ranked = sorted(
            (r for r in fired if scoring.effect(r, pick) > 0 and not self._elsewhere(r, pick)),
            key=lambda r: (self._quoted(r, scoring, words) is None, -scoring.effect(r, pick)),
        )
        reasons: list[Reason] = []
        for rule in ranked:
            quoted = self._quoted(rule, scoring, words)
            reason = Reason(quoted or _sentence(rule.reason), rule.source, rule.id)
            if reason.text not in {r.text for r in reasons}:
                reasons.append(reason)
        # A rule that argues against the runner-up is a reason for the pick too.
        runner_name = self.kb.frameworks[runner].name
        for rule in fired:
            if rule.effects.get(runner, 0) < 0 and rule.effects.get(pick, 0) >= 0:
                quoted = self._quoted(rule, scoring, words)
                said = quoted[0].lower() + quoted[1:] if quoted else self._lower(rule.reason)
                against = _sentence(f"Against {runner_name}: {said}")
                reasons.append(Reason(against, rule.source, rule.id))

        # Too few rules fired (a short form): the article's own case for the pick fills in,
        # then its runtime's cells of the comparison table (Quarkus and FastAPI have one
        # passage each; a pick is defended by at least MIN_CITED passages, Go and Rust aside).
        def short() -> bool:
            return len(reasons) < MIN_REASONS or len({r.source for r in reasons}) < MIN_CITED

        for passage in self.kb.framework_passages(pick):
            if not short():
                break
            if passage.kind != "bullet" or "Watch out for" in passage.section:
                continue
            if passage.id in {r.source for r in reasons}:
                continue
            reasons.append(Reason(f"The article: {passage.text}", passage.id))
        family = self.kb.frameworks[pick].family
        column = next(
            (c for c in self.kb.table.columns if self.kb.frameworks[c].family == family), None
        )
        for row in self.kb.table.rows:
            if column is None or not short() or len(reasons) >= MAX_REASONS:
                break
            cell = f"{row.passage}.{column}"
            if column == pick or cell not in self.kb.by_id:
                continue
            name = self.kb.table.columns[column]
            text = f"It runs where {name} does ({row.label.lower()}: {row.cells[column]})."
            reasons.append(Reason(text, cell))
        return reasons[:MAX_REASONS]

    def _watch_outs(self, scoring: Scoring, pick: str, words: Mapping[str, str]) -> list[Reason]:
        framework = self.kb.frameworks[pick]
        home = self.kb.passage(framework.source).section
        out: list[Reason] = []
        for rule in scoring.fired:
            if rule.effects.get(pick, 0) < 0:
                quoted = self._quoted(rule, scoring, words)
                out.append(Reason(quoted or _sentence(rule.reason), rule.source, rule.id))
        for passage in self.kb.passages:
            if passage.kind != "bullet" or "Watch out for" not in passage.section:
                continue
            if pick in passage.frameworks or passage.section[:-1] == home:
                text = f"{passage.text[0].upper()}{passage.text[1:]}"
                if passage.id not in {w.source for w in out}:
                    out.append(Reason(text, passage.id))
        if not out:
            out.append(
                Reason(
                    f"The article names no specific watch-outs for {framework.name}; its bottom "
                    "line: pick by team skills, ecosystem fit, and operational maturity",
                    "bottom-line.pick",
                )
            )
        return out

    def _changes(
        self,
        slots: dict[str, str],
        negated: dict[str, list[str]],
        pick: str,
        needs: Collection[str] = (),
        excluded: Collection[str] = (),
        every: bool = False,
    ) -> list[Change]:
        """The answer changes that flip the pick, the clearest first: one per new pick, the
        best three unless `every`."""
        found: list[tuple[float, int, Change]] = []
        for order, slot in enumerate(self.spec.slots):
            for option in slot.options:
                if slots.get(slot.name) == option.value:
                    continue
                if option.value in negated.get(slot.name, []):
                    continue
                trial = {**slots, slot.name: option.value}
                scoring = self.scorer.score(trial, needs, excluded)
                if scoring.pick == pick:
                    continue
                lead = scoring.totals[scoring.pick] - scoring.totals[pick]
                name = self.kb.frameworks[scoring.pick].name
                change = Change(slot.name, option.value, scoring.pick, f"{option.change}: {name}")
                # Changing a given answer is the clearer counterfactual than filling a gap.
                found.append((-(lead + (1 if slot.name in slots else 0)), order, change))
        if self.scorer.binding(slots, needs) is not None:
            # A need the team's language held back: what the article says past it ("java
            # team, we want the api to respond fast": "if you were open to another language:
            # Go"), first, as the answer the user can change most easily.
            scoring = self.scorer.score(slots, [*needs, OPEN_TO_OTHER_LANGUAGES], excluded)
            if scoring.pick != pick:
                name = self.kb.frameworks[scoring.pick].name
                text = f"if you were open to another language: {name}"
                change = Change("needs", OPEN_TO_OTHER_LANGUAGES, scoring.pick, text)
                found.append((float("-inf"), -1, change))
        found.sort(key=lambda item: (item[0], item[1]))
        seen: set[str] = set()
        out = []
        for _, _, change in found:
            if change.pick not in seen:
                seen.add(change.pick)
                out.append(change)
        return out if every else out[:3]

    def _underrated(
        self, totals: dict[str, float], pick: str, excluded: Collection[str] = ()
    ) -> list[Reason]:
        out = []
        for passage in self.kb.passages:
            if passage.kind != "bullet" or passage.section[:1] != ("What's Underrated",):
                continue
            subjects = [
                f
                for f in self.kb.frameworks.values()
                if f.source == passage.id and f.id not in excluded
            ]
            if any(f.id == pick for f in subjects):
                twins = [f for f in subjects if f.id != pick and totals[f.id] == totals[pick]]
                if twins:
                    names = " / ".join(f.name for f in twins)
                    text = f"{names} scores the same: the article names them together."
                    out.append(Reason(text, passage.id))
                continue
            near = [
                f
                for f in subjects
                if totals[f.id] > 0 and totals[f.id] >= totals[pick] - UNDERRATED_WITHIN
            ]
            if near:
                names = " / ".join(f.name for f in near)
                out.append(Reason(f"Also consider {names}: {passage.text}", passage.id))
        return out

    def _table(
        self,
        by_criterion: dict[str, dict[str, float]],
        totals: dict[str, float],
        pick: str,
        runner: str,
        ranking: tuple[str, ...],
    ) -> tuple[tuple[str, ...], ...]:
        third = next((f for f in ranking if f not in (pick, runner)), None)
        columns = [f for f in (pick, runner, third) if f is not None]
        header = ("Criterion", *(self.kb.frameworks[f].name for f in columns))
        rows = [header]
        for criterion, points in by_criterion.items():
            rows.append((criterion, *(_points(points[f]) for f in columns)))
        rows.append(("total", *(_points(totals[f]) for f in columns)))
        return tuple(rows)


def _points(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")
