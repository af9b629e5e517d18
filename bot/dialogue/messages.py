"""Build the engine's structured replies; no formatting here (bot.render does that)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.advisor import Edge, Reason, Recommendation, WhyNot
from bot.form import FormSpec, Slot
from bot.knowledge import KnowledgeBase
from bot.nlu import Extraction
from bot.replies import Citation, Option, Part, Reply

WELCOME = (
    "I help teams choose a backend framework (Node.js, Django, Spring Boot and friends), "
    'grounded in one article: "Backend Technologies: Node.js vs Django vs Spring Boot".'
)
HELP_LINES = (
    "Describe your team and project in a sentence, e.g. \"we're three Python devs building "
    'a content-heavy site", or use /recommend to answer a few questions.',
    "/ask QUESTION answers from the article, with the passage it comes from.",
    "/compare Django vs Spring Boot puts two frameworks side by side.",
    "During the questions: skip, back, restart or cancel (words or buttons).",
    "/sources lists what I know.",
)
MENU = (
    (
        Option("Recommend a framework", "menu", value="recommend"),
        Option("Ask a question", "menu", value="ask"),
    ),
    (Option("Compare two", "menu", value="compare"),),
)


def cite(kb: KnowledgeBase, passage_id: str) -> Citation:
    """A Citation for `passage_id` (section path and source title)."""
    passage = kb.passage(passage_id)
    title = next((s.title for s in kb.sources if s.id == passage.source), passage.source)
    return Citation(passage.id, passage.section_label, title)


def info(*texts: str, options: tuple[tuple[Option, ...], ...] = ()) -> Reply:
    """A plain informational reply of one paragraph per text."""
    return Reply("info", tuple(Part("paragraph", t) for t in texts), options)


def welcome() -> Reply:
    """/start: what the bot can do, and the menu."""
    return Reply(
        "info",
        (Part("paragraph", WELCOME), Part("paragraph", "What would you like to do?")),
        MENU,
    )


def help_reply() -> Reply:
    """/help: how to use the bot."""
    return Reply(
        "info",
        (Part("heading", "How to use me"), *(Part("bullet", line) for line in HELP_LINES)),
        MENU,
    )


def question(
    spec: FormSpec,
    kb: KnowledgeBase,
    slot: Slot,
    negated: list[str],
    left: int,
    reprompt: bool = False,
) -> Reply:
    """The question for `slot` with a button per option (minus ruled-out values)."""
    buttons = [
        Option(o.label, "answer", slot.name, o.value)
        for o in slot.options
        if o.value not in negated
    ]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    controls = (
        Option("Skip", "skip", slot.name),
        Option("Back", "back"),
        Option("Start over", "restart"),
    )
    left_text = "last question" if left <= 1 else f"at most {left} questions left"
    parts = [Part("heading", slot.question)]
    if reprompt:
        parts.insert(0, Part("paragraph", slot.reprompt))
    parts.append(Part("quote", f"Why it matters: {slot.why}", cite(kb, slot.source)))
    parts.append(Part("paragraph", f"({left_text})"))
    return Reply("question", tuple(parts), (*rows, controls))


def understood(spec: FormSpec, kb: KnowledgeBase, extraction: Extraction) -> Reply | None:
    """'Here's what I understood': each value with the words it came from and a Change button,
    the needs stated and the frameworks ruled out; None when nothing was understood."""
    values, negated = extraction.values, extraction.negated
    if not extraction:
        return None
    parts = [Part("paragraph", "Here's what I understood:")]
    buttons = []
    for slot in spec.slots:
        if slot.name in values:
            label = slot.option(values[slot.name]).label
            words = extraction.said.get(slot.name)
            source = f' (from "{words}")' if words else ""
            parts.append(Part("bullet", f"{slot.title}: {label}{source}"))
            buttons.append(Option(f"Change {slot.title.lower()}"[:32], "change", slot.name))
        elif slot.name in negated:
            labels = ", ".join(slot.option(v).label for v in negated[slot.name])
            parts.append(Part("bullet", f"{slot.title}: not {labels}"))
    for match in extraction.needs:
        need = kb.needs.get(match.need)
        if need is not None:
            parts.append(Part("bullet", f'You need: {need.label} (from "{match.text}")'))
    if extraction.excluded:
        names = ", ".join(kb.frameworks[f].name for f in extraction.excluded)
        parts.append(Part("bullet", f"Ruled out: {names}"))
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Reply("info", tuple(parts), rows)


def pick_change(
    kb: KnowledgeBase,
    before: str,
    after: str,
    added: Sequence[Reason] = (),
    known: bool = False,
) -> Reply:
    """The line before a pick shown again: 'The pick moves from X to Y.' or 'stays X.', and
    for a pick that stays, what the facts just stated `added` to its reasons and watch-outs
    (`known`: reasons it had already, which the facts bear on)."""
    old, new = kb.frameworks[before].name, kb.frameworks[after].name
    text = f"The pick stays {new}." if before == after else f"The pick moves from {old} to {new}."
    if not added:
        return info(text)
    lead = "What you said is already part of it:" if known else "What you added bears on it:"
    parts = [Part("paragraph", f"{text} {lead}")]
    parts += [Part("bullet", r.text, cite(kb, r.source)) for r in added]
    return Reply("info", tuple(parts))


def change_menu(spec: FormSpec, slots: dict[str, str], skipped: list[str]) -> Reply:
    """The answered (and skipped) slots as buttons, to pick one to change."""
    buttons = []
    for slot in spec.slots:
        if slot.name in slots or slot.name in skipped:
            current = slot.option(slots[slot.name]).label if slot.name in slots else "skipped"
            buttons.append(Option(f"{slot.title}: {current}"[:32], "change", slot.name))
    if not buttons:
        return info("Nothing answered yet to change.")
    return Reply(
        "info",
        (Part("paragraph", "Which answer would you like to change?"),),
        tuple((b,) for b in buttons),
    )


def recommendation(kb: KnowledgeBase, spec: FormSpec, rec: Recommendation) -> Reply:
    """The recommendation reply: first part exactly 'Recommendation: <name>'."""
    parts = [Part("heading", f"Recommendation: {rec.pick.name}")]
    verdict = "close call" if rec.close_call else "clear pick"
    parts.append(Part("paragraph", "Why:"))
    parts += [Part("bullet", r.text, cite(kb, r.source)) for r in rec.reasons]
    parts.append(Part("paragraph", "Watch out for:"))
    parts += [Part("bullet", w.text, cite(kb, w.source)) for w in rec.watch_out]
    parts.append(
        Part(
            "paragraph",
            f"Runner-up: {rec.runner_up.name}, {rec.margin:g} points behind ({verdict}).",
        )
    )
    parts += [Part("bullet", r.text, cite(kb, r.source)) for r in rec.also_consider]
    parts.append(Part("table", rows=rec.table))
    if rec.changes:
        parts.append(Part("paragraph", "What would change the pick:"))
        parts += [Part("bullet", c.text) for c in rec.changes]
    known = [s for s in spec.slots if rec.slots.get(s.name)]
    if known:
        summary = "; ".join(f"{s.title}: {s.option(rec.slots[s.name] or '').label}" for s in known)
        parts.append(Part("paragraph", f"Based on: {summary}."))
    options = (
        (Option("Change an answer", "change"), Option("Start over", "restart")),
        (Option("Score chart", "chart"), Option("Decision record", "record")),
    )
    scores = {kb.frameworks[f].name: s for f, s in list(rec.scores.items())[:CHARTED]}
    return Reply("recommendation", tuple(parts), options, scores, breakdown(kb, rec))


# Frameworks a chart shows: the pick and the four behind it (more bars read as noise).
CHARTED = 5


def breakdown(kb: KnowledgeBase, rec: Recommendation) -> dict[str, dict[str, float]]:
    """Framework name -> criterion -> points for the charted frameworks (the score table's
    criteria, in its order; a criterion that gave a framework nothing is left out)."""
    out: dict[str, dict[str, float]] = {}
    for fid in list(rec.scores)[:CHARTED]:
        points = {c: row.get(fid, 0.0) for c, row in rec.by_criterion.items()}
        out[kb.frameworks[fid].name] = {c: p for c, p in points.items() if p}
    return out


def chart(kb: KnowledgeBase, rec: Recommendation) -> Reply:
    """The scores of the last pick as a table (Telegram draws `scores` as a chart)."""
    rows = (
        ("Framework", "Score"),
        *tuple((kb.frameworks[f].name, f"{s:g}") for f, s in rec.scores.items()),
    )
    scores = {kb.frameworks[f].name: s for f, s in list(rec.scores.items())[:CHARTED]}
    return Reply(
        "info",
        (Part("heading", f"Scores (pick: {rec.pick.name})"), Part("table", rows=rows)),
        (),
        scores,
        breakdown(kb, rec),
    )


def record(kb: KnowledgeBase, spec: FormSpec, rec: Recommendation) -> Reply:
    """The decision record (ADR-style) of a pick: a "document" reply whose first part is
    'Decision: <name>', then Context, Decision, Why, Watch-outs, Alternatives, What would
    change it and Sources; sent as the file decision-<framework id>.md."""
    verdict = "close call" if rec.close_call else "clear pick"
    parts = [Part("heading", f"Decision: {rec.pick.name}"), Part("heading", "Context")]
    parts.append(Part("paragraph", "The team's answers:"))
    words = {u["slot"]: u["from"] for u in rec.understood}
    for slot in spec.slots:
        value = rec.slots.get(slot.name)
        if value is None:
            parts.append(Part("bullet", f"{slot.title}: not answered"))
            continue
        said = words.get(slot.name, "")
        # The CLI's --set marks its values "--set": they are not the user's words.
        source = f' (from "{said}")' if said and said != "--set" else ""
        parts.append(Part("bullet", f"{slot.title}: {slot.option(value).label}{source}"))
    for need in rec.needs:
        citation = cite(kb, need["passage"]) if need["passage"] in kb.by_id else None
        parts.append(Part("bullet", f'Stated need: "{need["text"]}"', citation))
    if rec.excluded:
        names = ", ".join(kb.frameworks[f].name for f in rec.excluded)
        parts.append(Part("bullet", f"Never picked: {names} (ruled out)"))
    total = rec.totals.get(rec.pick.id, rec.scores.get(rec.pick.id, 0.0))
    parts += [
        Part("heading", "Decision"),
        Part(
            "paragraph",
            f"Use {rec.pick.name}. It scores {total:g} on the article's decision rules, "
            f"{rec.margin:g} ahead of {rec.runner_up.name}: a {verdict}.",
        ),
        Part("heading", "Why"),
        *(Part("bullet", r.text, cite(kb, r.source)) for r in rec.reasons),
        Part("heading", "Watch-outs"),
        *(Part("bullet", w.text, cite(kb, w.source)) for w in rec.watch_out),
        Part("heading", "Alternatives"),
        Part(
            "paragraph",
            f"Runner-up: {rec.runner_up.name}, {rec.margin:g} points behind ({verdict}).",
        ),
        *(Part("bullet", r.text, cite(kb, r.source)) for r in rec.also_consider),
        Part("table", rows=rec.table),
        Part("heading", "What would change it"),
    ]
    if rec.changes:
        parts += [Part("bullet", c.text[:1].upper() + c.text[1:]) for c in rec.changes]
    else:
        parts.append(Part("paragraph", "No single different answer would change the pick."))
    parts.append(Part("heading", "Sources"))
    parts += _record_sources(kb, parts)
    return Reply("document", tuple(parts), file_name=f"decision-{rec.pick.id}.md")


def _record_sources(kb: KnowledgeBase, parts: list[Part]) -> list[Part]:
    """The Sources section: each cited document (title, author, date), the knowledge version
    and every passage cited, by section."""
    cited = list(dict.fromkeys(p.citation.passage_id for p in parts if p.citation))
    documents = list(dict.fromkeys(kb.passage(pid).source for pid in cited))
    out = []
    for source in kb.sources:
        if source.id not in documents:
            continue
        byline = ", ".join(x for x in (source.author, source.published) if x)
        out.append(Part("bullet", f'"{source.title}"' + (f", {byline}" if byline else "")))
    out.append(Part("bullet", f"Knowledge version: {kb.version}"))
    out.append(Part("paragraph", "Passages cited:"))
    out += [Part("bullet", kb.passage(pid).section_label, cite(kb, pid)) for pid in cited]
    return out


def _wins(kb: KnowledgeBase, fid: str, other: str | None = None) -> tuple[list[str], list[str]]:
    """Passage ids where a framework wins, and its watch-outs; those naming `other` first."""
    framework = kb.frameworks[fid]
    home = kb.passage(framework.source).section
    wins, watch = [], []
    for p in kb.passages:
        if p.kind != "bullet":
            continue
        if p.role == "watch-out":
            if fid in p.frameworks or p.section[:-1] == home:
                watch.append(p.id)
        elif fid in p.frameworks or p.id == framework.source:
            wins.append(p.id)
    if other is not None:
        # A bullet that speaks of both ("NestJS ... Closer to Spring's feel") is the article's
        # own word on the pair; in article order it came fifth of NestJS's and was cut. A
        # bullet on all the table's columns ("All three are production-grade") is not.
        every = set(kb.table.columns)

        def pairs(pid: str) -> bool:
            named = set(kb.passage(pid).frameworks)
            return other in named and not every <= named

        # It goes under the framework it speaks of first (FastAPI's bullet names Django too).
        wins = [p for p in wins if not (pairs(p) and kb.passage(p).frameworks[0] == other)]
        wins.sort(key=lambda pid: not pairs(pid))
    return wins, watch


def _compared_wins(kb: KnowledgeBase, first: str, second: str) -> list[tuple[str, list[str]]]:
    """Each framework's wins (at most 4) and watch-outs, a passage shown once only."""
    out: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    for fid, other in ((first, second), (second, first)):
        wins, watch = _wins(kb, fid, other)
        wins = [p for p in wins if p not in seen][:4]
        watch = [p for p in watch if p not in seen]
        seen.update(wins + watch)
        out += [(fid, wins), (fid, watch)]
    return out


def compared_passages(kb: KnowledgeBase, first: str, second: str) -> list[str]:
    """The passage ids a comparison shows: the table's rows and cells, wins, watch-outs."""
    columns = [column(kb, fid) for fid in (first, second)]
    out: list[str] = []
    for row in kb.table.rows:
        out.append(row.passage)
        out += [f"{row.passage}.{c}" for c in columns if c and f"{row.passage}.{c}" in kb.by_id]
    for _, ids in _compared_wins(kb, first, second):
        out += [p for p in ids if p not in out]
    return out


def column(kb: KnowledgeBase, fid: str) -> str | None:
    """The table column that speaks for framework `fid` (NestJS: the Node.js column)."""
    fw = kb.frameworks[fid]
    if fw.id in kb.table.columns:
        return fw.id
    found = next(
        (
            c
            for c in kb.table.columns
            if kb.frameworks[c].family == fw.family
            and kb.frameworks[c].source == kb.frameworks[fw.id].source
        ),
        None,
    )
    if found is None and fw.family == "node":
        found = "node"
    return found


def compare(kb: KnowledgeBase, first: str, second: str) -> Reply:
    """Two frameworks side by side: the article's table, where each wins, watch-outs."""
    a, b = kb.frameworks[first], kb.frameworks[second]
    # NestJS, Express, Hono, Fastify are in the article's Node.js column.
    columns = [column(kb, fid) for fid in (first, second)]
    parts = [Part("heading", f"{a.name} vs {b.name}")]
    if any(columns):
        header = (
            "",
            *(
                f"{fw.name}"
                if col == fw.id or col is None
                else f"{fw.name} ({kb.table.columns[col]})"
                for fw, col in zip((a, b), columns, strict=True)
            ),
        )
        rows = [header]
        for row in kb.table.rows:
            rows.append((row.label, *(row.cells[c] if c else "—" for c in columns)))
        parts.append(Part("table", rows=tuple(rows)))
        parts.append(
            Part(
                "paragraph",
                "From the article's comparison table.",
                cite(kb, kb.table.rows[0].passage.rsplit(".", 1)[0]),
            )
        )
    listed = _compared_wins(kb, first, second)
    for (fid, wins), (_, watch) in zip(listed[::2], listed[1::2], strict=True):
        name = kb.frameworks[fid].name
        if wins:
            parts.append(Part("paragraph", f"Where {name} wins:"))
            parts += [Part("bullet", kb.passage(p).text, cite(kb, p)) for p in wins]
        if watch:
            parts.append(Part("paragraph", f"Watch out with {name}:"))
            parts += [Part("bullet", kb.passage(p).text, cite(kb, p)) for p in watch]
    return Reply("comparison", tuple(parts), MENU[:1])


def _points(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _edge(kb: KnowledgeBase, edge: Edge, first: str, second: str) -> list[Part]:
    score = (
        f"{edge.criterion[:1].upper()}{edge.criterion[1:]}: {first} {_points(edge.pick_points)}, "
    )
    score += f"{second} {_points(edge.other_points)}"
    return [Part("paragraph", score)] + [
        Part("bullet", r.text, cite(kb, r.source)) for r in edge.reasons
    ]


def why_not(kb: KnowledgeBase, why: WhyNot) -> Reply:
    """Why the pick and not another framework: the score table's criteria where the pick won,
    each with the rules behind its points, where the other led, and what would flip it."""
    pick, other = why.pick.name, why.other.name
    parts = [Part("heading", f"Why {pick} and not {other}")]
    if why.pick.id == why.other.id:
        return Reply("answer", (*parts, Part("paragraph", f"{pick} is the pick.")))
    if why.ruled_out:
        parts.append(Part("paragraph", f"{other} could not be picked: {why.ruled_out}"))
    else:
        behind = why.pick_total - why.other_total
        parts.append(
            Part(
                "paragraph",
                f"{pick} scored {why.pick_total:g}, {other} {why.other_total:g}: "
                f"{behind:g} points behind.",
            )
        )
    if why.won:
        parts.append(Part("paragraph", f"Where {pick} beat {other}:"))
        for edge in why.won:
            parts += _edge(kb, edge, pick, other)
    elif not why.ruled_out:
        parts.append(
            Part("paragraph", "No criterion set them apart: the tie goes to the article's order.")
        )
    if why.lost:
        parts.append(Part("paragraph", f"Where {other} was ahead:"))
        for edge in why.lost:
            parts += _edge(kb, edge, pick, other)
    if why.other_total == 0 and not why.ruled_out:
        parts.append(
            Part(
                "paragraph",
                f"{other} scored nothing: none of your answers is a case the "
                f"article makes for it.",
            )
        )
    if why.flip is not None:
        flip = why.flip.text.removesuffix(f": {other}")
        parts.append(Part("paragraph", f"What would make {other} the pick: {flip}."))
    elif not why.ruled_out:
        parts.append(
            Part("paragraph", f"No single change of your answers makes {other} the pick.")
        )
    source = kb.frameworks[why.other.id].source
    if source in kb.by_id:
        parts.append(Part("paragraph", f"What the article says of {other}:"))
        parts.append(Part("quote", kb.passage(source).text.splitlines()[0], cite(kb, source)))
    return Reply("answer", tuple(parts), MENU[:1])


def sources(kb: KnowledgeBase) -> Reply:
    """/sources: each source and its top-level sections."""
    parts: list[Part] = []
    for source in kb.sources:
        parts.append(Part("heading", f"{source.title} ({source.file})"))
        for p in kb.passages:
            if (
                p.source == source.id
                and p.kind == "section"
                and len(p.section) == 1 + (source.id != kb.sources[0].id)
            ):
                parts.append(Part("bullet", p.section[-1], cite(kb, p.id)))
    return Reply("info", tuple(parts))
