"""Follow-up dialogues: is the last turn answered about the right subject, in context?

Each dialogue in datasets/dialogues.{dev,test}.yaml is a few user turns and what its last turn
must get: an answer showing one of the labelled passages among its first three, a comparison
or a why-not of the labelled pair, a decline, or the pick after a correction. A `/recommend`
turn is followed by "skip" until the pick shows, as a user pressing Skip would. Controls (a
self-contained second question) must also get what the question gets asked alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.datafile import load_yaml
from bot.evaluation.retrieval import SPLITS
from bot.replies import Answered, DialogueState, Reply, Turn

if TYPE_CHECKING:
    from bot.dialogue import Engine

KINDS = ("answer", "comparison", "why_not", "pick_facts", "decline", "moved")
FAMILIES = (
    "ellipsis", "pronoun", "comparative", "after-pick", "compare", "control", "correction"
)  # fmt: skip
# A form left open after this many skips is a harness fault, not a user's conversation.
MAX_SKIPS = 8


@dataclass(frozen=True, slots=True)
class Dialogue:
    """One labelled dialogue, judged at its last turn."""

    id: str
    family: str
    turns: tuple[str, ...]
    kind: str
    standalone: str
    answers: frozenset[str]
    frameworks: tuple[str, ...]
    pick: str | None
    split: str
    origin: str


def load_dialogues(path: Path, known: set[str], frameworks: set[str]) -> list[Dialogue]:
    """Read a dialogue file; a DataError (file:line) on an unknown passage, framework or kind."""
    split = path.name.split(".")[1]
    out = []
    for node in load_yaml(path).require("dialogues").items():
        expect = node.require("expect")
        kind_node = expect.require("kind")
        if kind_node.text() not in KINDS:
            raise kind_node.error(f"kind must be one of {', '.join(KINDS)}")
        answers_node = expect.get("answers")
        answers = answers_node.texts() if answers_node is not None else []
        for pid in answers:
            if pid not in known:
                raise answers_node.error(f"unknown passage id '{pid}'")  # type: ignore[union-attr]
        fw_node = expect.get("frameworks")
        fws = fw_node.texts() if fw_node is not None else []
        pick_node = expect.get("pick")
        for fid in [*fws, *([pick_node.text()] if pick_node else [])]:
            if fid not in frameworks:
                raise expect.error(f"unknown framework id '{fid}'")
        family = node.require("family")
        if family.text() not in FAMILIES:
            raise family.error(f"family must be one of {', '.join(FAMILIES)}")
        out.append(
            Dialogue(
                node.require("id").text(),
                family.text(),
                tuple(node.require("turns").texts()),
                kind_node.text(),
                expect.require("standalone").text(),
                frozenset(answers),
                tuple(fws),
                pick_node.text() if pick_node else None,
                split,
                f"{path}:{node.line}",
            )
        )
    return out


def play(
    engine: Engine, turns: Sequence[str], state: DialogueState | None = None
) -> tuple[DialogueState, list[Reply], bool]:
    """Play `turns` from `state` (fresh by default): the state and replies after the last,
    and whether the pick changed on the last turn."""
    state = state or DialogueState()
    replies: list[Reply] = []
    moved = False
    for line in turns:
        before = state.last_pick
        state, replies = engine.handle(state, Turn.typed(line))
        # After /recommend, or a correction that reopened the form, the user skips the rest.
        opened = line.startswith("/recommend") or before is not None
        for _ in range(MAX_SKIPS):
            if state.mode != "form" or not opened:
                break
            state, replies = engine.handle(state, Turn(command="skip"))
        moved = before is not None and state.last_pick != before
    return state, replies, moved


def _answered(replies: list[Reply]) -> Answered | None:
    return next((r.answered for r in replies if r.answered is not None), None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One dialogue's last turn, judged: about the right subject or not, and why not."""

    dialogue: Dialogue
    right: bool
    why: str
    resolved: str | None
    asked_back: bool


def judge_one(engine: Engine, dialogue: Dialogue) -> Outcome:
    """Play one dialogue and judge its last turn."""
    state, replies, moved = play(engine, dialogue.turns)
    answered = _answered(replies)
    resolved = answered.resolved if answered else None
    asked_back = answered is not None and answered.kind == "choices"
    why = _wrong(engine, dialogue, state, answered, moved)
    return Outcome(dialogue, why == "", why, resolved, asked_back)


def _wrong(
    engine: Engine,
    dialogue: Dialogue,
    state: DialogueState,
    answered: Answered | None,
    moved: bool,
) -> str:
    """What is wrong with the last turn's reply ("" when it is about the right subject)."""
    kind = dialogue.kind
    if dialogue.pick is not None and not _same(engine, state.last_pick, dialogue.pick):
        return f"pick {state.last_pick}, wanted {dialogue.pick}"
    if kind == "moved":
        return "" if moved else "the pick did not move"
    if answered is None:
        return "no answer"
    if kind == "decline":
        return "" if not answered.in_scope else f"answered ({answered.kind})"
    if not answered.in_scope:
        return "declined"
    if kind in ("comparison", "why_not"):
        if answered.kind != kind and not (kind == "comparison" and _shows(dialogue, answered)):
            return f"{answered.kind}, wanted {kind}"
        if kind == "why_not" and not _same_pair(engine, answered.frameworks, dialogue.frameworks):
            return f"about {'/'.join(answered.frameworks)}"
        pair = answered.frameworks
        if (
            kind == "comparison"
            and answered.kind == kind
            and not (
                _same_pair(engine, pair, dialogue.frameworks)
                or _same_pair(engine, pair[::-1], dialogue.frameworks)
            )
        ):
            return f"about {'/'.join(answered.frameworks)}"
        return ""
    if not _shows(dialogue, answered):
        first = answered.passages[0].id if answered.passages else "-"
        return f"{answered.kind} showing {first}"
    if dialogue.family == "control":
        alone = _answered(play(engine, dialogue.turns[-1:])[1])
        if alone is None or [p.id for p in alone.passages[:1]] != [
            p.id for p in answered.passages[:1]
        ]:
            return "not as asked alone"
    return ""


def _same(engine: Engine, got: str | None, wanted: str) -> bool:
    """Whether `got` is the labelled framework or one the article names under it: "Node.js
    (Express, NestJS, Hono, Fastify)" makes a NestJS pick the article's Node pick."""
    if got is None:
        return False
    kb = engine.kb
    return got == wanted or got in kb.passage(kb.frameworks[wanted].source).frameworks


def _same_pair(engine: Engine, got: Sequence[str], wanted: Sequence[str]) -> bool:
    return len(got) == len(wanted) and all(
        _same(engine, g, w) for g, w in zip(got, wanted, strict=True)
    )


def _shows(dialogue: Dialogue, answered: Answered) -> bool:
    """Whether a labelled passage is among the first three the answer shows."""
    return any(p.id in dialogue.answers for p in answered.passages[:3])


def judge(engine: Engine, dialogues: Sequence[Dialogue]) -> list[Outcome]:
    """Play and judge every dialogue."""
    return [judge_one(engine, d) for d in dialogues]


def report(outcomes: Sequence[Outcome]) -> str:
    """Per split: the share about the right subject per family, then overall."""
    lines = ["Follow-up dialogues (the last turn about the right subject)", ""]
    lines += [f"{'split':5} {'family':12} {'n':>4} {'right':>6} {'asked back':>10}", "-" * 42]
    for split in SPLITS:
        mine = [o for o in outcomes if o.dialogue.split == split]
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in mine:
            groups[o.dialogue.family].append(o)
        rows = [(f, groups[f]) for f in FAMILIES if groups.get(f)] + [("all", mine)]
        for name, group in rows:
            if not group:
                continue
            right = sum(o.right for o in group) / len(group)
            back = sum(o.asked_back for o in group)
            lines.append(f"{split:5} {name:12} {len(group):4} {right:6.3f} {back:10}")
        lines.append("")
    return "\n".join(lines).rstrip()


def misses(outcomes: Sequence[Outcome], split: str = "dev") -> list[str]:
    """The dialogues of `split` answered about the wrong subject, with what went wrong."""
    return [
        f"{o.dialogue.id}: {o.why}: {' / '.join(o.dialogue.turns[1:])}"
        + (f" -> {o.resolved!r}" if o.resolved else "")
        for o in outcomes
        if o.dialogue.split == split and not o.right
    ]
