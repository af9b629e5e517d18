"""Answers to free-form questions: retrieval, scope, comparisons, then quoted passages.

`Answerer.answer` is the one path a question takes, from the engine (Telegram, console) and
from `ask` alike; `Answer` carries the reply and what `ask --json` and `eval` report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.dialogue.answer_line import answer_line, side_line
from bot.knowledge import KnowledgeBase, Passage
from bot.knowledge.mentions import (
    compared_pair,
    mentioned_frameworks,
    mentioned_uncovered,
    uncovered_subjects,
    weighed_against,
    without_frameworks,
)
from bot.knowledge.phrases import words
from bot.nlu.forms import read_form, says_more_than
from bot.nlu.names import unknown_technologies
from bot.replies import Answered, AnswerKind, Citation, Option, Part, Reply, Shown
from bot.retrieval.off_topic import NAMED_REST_MARGIN
from bot.retrieval.port import Retriever
from bot.retrieval.retriever import RetrievalResult
from bot.retrieval.sparse import tokenize
from bot.text import grammar

if TYPE_CHECKING:
    import numpy as np

    from bot.nlu.spelling import Speller

# A chat answer should fit a phone screen; Telegram's own limit (4096) is far above it.
MAX_ANSWER_CHARS = 1200
# Passages scoring within this of the best one are worth quoting beside it.
QUOTE_BAND = 0.08
MAX_QUOTES = 3
# Telegram shows about 40 characters of a button label on a phone before cutting it.
MAX_LABEL = 40
DECLINE = (
    "Sorry, that is outside what I know. I answer questions about backend frameworks from "
    "the article “{title}”: Node.js, Django, Spring Boot, FastAPI, NestJS, Quarkus/Micronaut "
    "and Go/Rust. I can also recommend a framework for your team, or compare two."
)


COVERS = (
    "It compares Node.js, Django and Spring Boot, plus FastAPI, NestJS, Quarkus/Micronaut "
    "and Go/Rust."
)


def _names(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def decline_uncovered(names: tuple[str, ...]) -> Reply:
    """The decline of a question about technologies the article does not cover."""
    return Reply(
        kind="answer",
        parts=(Part("paragraph", f"The article doesn't cover {_names(names)}. {COVERS}"),),
        options=(
            (
                Option("Recommend a framework", "menu", value="recommend"),
                Option("Compare two", "menu", value="compare"),
            ),
        ),
    )


# Telegram shows a keyboard's rows one under another: three frameworks' buttons fit a phone.
MAX_FRAMEWORK_OPTIONS = 3


def decline_how_to(
    kb: KnowledgeBase,
    frameworks: tuple[str, ...],
    uncovered: tuple[str, ...] = (),
    how_to: bool = True,
) -> Reply:
    """The decline of a question about covered frameworks that asks what the article never
    says (`how_to`: steps or a fix; else a fact, or about uncovered technologies), offering
    what it says about each framework named."""
    names = _names(tuple(kb.frameworks[f].name for f in frameworks))
    # "The article doesn't cover ..." first: it is what users read, and what makes it a decline.
    if how_to:
        what = f"{_names(uncovered)}, nor how to do that with {names}" if uncovered else "that"
        text = (
            f"The article doesn't cover {what}: it compares backend frameworks and where each "
            f"fits, not how to use or fix them. It does say things about {names}:"
        )
    else:
        text = (
            f"The article doesn't cover {_names(uncovered) if uncovered else 'that'}: it "
            "compares backend frameworks and where each fits, with no dates, versions, prices "
            f"or settings. It does say things about {names}:"
        )
    return _offering(kb, text, frameworks)


def decline_elsewhere(
    kb: KnowledgeBase, frameworks: tuple[str, ...], others: tuple[str, ...]
) -> Reply:
    """The decline of a question about `frameworks` that the article answers only for
    `others` ("what's the hiring situation for Go?": its table rates hiring for three)."""
    names = _names(tuple(kb.frameworks[f].name for f in frameworks))
    said = " and ".join(kb.frameworks[f].name for f in others)
    text = (
        f"The article doesn't say that of {names}: what it says on it is about {said}. "
        f"It does say things about {names}:"
    )
    return _offering(kb, text, frameworks)


def elsewhere(
    kb: KnowledgeBase, named: tuple[str, ...], shown: tuple[Passage, ...]
) -> tuple[str, ...]:
    """The frameworks `shown` speak of when every one speaks of some and none of a runtime
    `named` is in: the answer would be about others (empty: it is not)."""
    asked = {kb.frameworks[f].family for f in named}
    spoken: list[str] = []
    for passage in shown:
        if not passage.frameworks or asked & {kb.frameworks[f].family for f in passage.frameworks}:
            return ()
        spoken += passage.frameworks
    return tuple(dict.fromkeys(spoken)) if named else ()


def _offering(kb: KnowledgeBase, text: str, frameworks: tuple[str, ...]) -> Reply:
    """A decline's `text`, offering what the article says about each of `frameworks`."""
    # Express and Hono share their source passage: one button for it, named for the first.
    sources: dict[str, str] = {}
    for fid in frameworks:
        sources.setdefault(kb.frameworks[fid].source, kb.frameworks[fid].name)
    offers = [
        (Option(shorten(f"What it says about {name}", MAX_LABEL), "passage", value=source),)
        for source, name in sources.items()
    ][:MAX_FRAMEWORK_OPTIONS]
    menu = (
        Option("Recommend a framework", "menu", value="recommend"),
        Option("Compare two", "menu", value="compare"),
    )
    return Reply(kind="answer", parts=(Part("paragraph", text),), options=(*offers, menu))


def _related(kb: KnowledgeBase, a: str, b: str) -> bool:
    return a == b or a in kb.ancestors(b) or b in kb.ancestors(a)


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word and ended with "…" when longer than `limit`."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def _asks_back(reply: Reply) -> bool:
    """Whether `reply` is "did you mean" choices."""
    return bool(reply.options) and reply.options[0][0].action == "passage"


def family_of(kb: KnowledgeBase, passage: Passage) -> str | None:
    """The one runtime family a passage speaks of (None: several, or none)."""
    families = {kb.frameworks[f].family for f in passage.frameworks}
    return families.pop() if len(families) == 1 else None


def option_label(kb: KnowledgeBase, passage: Passage) -> str:
    """A button label for a passage (at most 40 characters) that names its framework and
    its aspect: "Node.js: watch out for", "Django: heavy concurrency…", "Hiring: all three"."""
    if passage.kind == "section":
        text = passage.section[-1]
        if len(passage.section) >= 3:  # "Watch out for" under a framework's section
            text = text[:1].lower() + text[1:]
    else:
        text = passage.text.splitlines()[0].lstrip("- ")
    if family_of(kb, passage) is not None:
        name = kb.frameworks[passage.frameworks[0]].name
        if name.lower() not in text.lower():
            text = f"{name}: {text}"
    elif passage.kind == "row":
        text = f"{passage.section[-1]}: all three"
    return shorten(text, MAX_LABEL)


def flat(passage: Passage) -> str:
    """A section's lines ("- a", "- b") as one line: a quote in a chat reads better so."""
    if passage.kind != "section":
        return passage.text
    return "; ".join(line.lstrip("- ").strip() for line in passage.text.splitlines())


def quote(kb: KnowledgeBase, passage: Passage, text: str) -> Part:
    """A quote part of `text` (from `passage`), cited with its section and source."""
    citation = Citation(passage.id, passage.section_label, kb.source_title(passage.id))
    return Part("quote", text, citation)


def _decline(kb: KnowledgeBase) -> Reply:
    title = kb.sources[0].title if kb.sources else "the article"
    return Reply(
        kind="answer",
        parts=(Part("paragraph", DECLINE.format(title=title)),),
        options=(
            (
                Option("Recommend a framework", "menu", value="recommend"),
                Option("Compare two", "menu", value="compare"),
            ),
        ),
    )


def distinct(kb: KnowledgeBase, passages: list[Passage]) -> list[Passage]:
    """Passages in order, dropping any that contains or is part of one already kept."""
    kept: list[Passage] = []
    for passage in passages:
        if not any(_related(kb, passage.id, other.id) for other in kept):
            kept.append(passage)
    return kept


def _line_passage(result: RetrievalResult, kb: KnowledgeBase) -> Passage:
    """The passage the answer line reads: the first shown, or the best one shown inside it.

    A section or a table row answers more than one thing, so no line reads it; when a bullet,
    sentence or cell of it is shown too ("a chat app with many users online" ranks Node.js's
    strengths first, its real-time bullet next), that part is the direct answer.
    """
    first = result.hits[0].passage
    if first.kind in _LINE_KINDS:
        return first
    for hit in result.hits[1:]:
        if hit.passage.kind in _LINE_KINDS and first.id in kb.ancestors(hit.passage.id):
            return hit.passage
    return first


_LINE_KINDS = ("bullet", "sentence", "cell")


def compose_answer(result: RetrievalResult, kb: KnowledgeBase) -> Reply:
    """The reply to a retrieval result: quotes, a polite decline, or "did you mean" choices."""
    if not result.in_scope or not result.hits:
        return _decline(kb)
    if result.close_call:
        candidates = distinct(kb, [hit.passage for hit in result.hits])
        if len({family_of(kb, p) for p in candidates}) > 1:
            return Reply(
                kind="answer",
                parts=(Part("paragraph", "Did you mean one of these?"),),
                options=tuple(
                    (Option(option_label(kb, p), "passage", value=p.id),) for p in candidates
                ),
            )
    best = result.hits[0].score
    chosen = distinct(kb, [hit.passage for hit in result.hits if hit.score >= best - QUOTE_BAND])[
        :MAX_QUOTES
    ]
    return _quotes(kb, chosen)


def _quotes(kb: KnowledgeBase, passages: list[Passage]) -> Reply:
    groups: dict[str, list[Passage]] = {}
    for passage in passages:
        groups.setdefault(passage.section_label, []).append(passage)
    parts: list[Part] = []
    budget = MAX_ANSWER_CHARS
    for label, members in groups.items():
        if budget <= len(label) + 40 and parts:
            break
        parts.append(Part("heading", label))
        budget -= len(label)
        for passage in members:
            if budget < 40 and len(parts) > 1:
                break
            # Renderers print each citation under its quote: it counts against the budget.
            cost = len(passage.id) + len(passage.section_label) + 10
            room = max(budget - cost, 40)
            text = flat(passage)
            text = shorten(text, room) if len(text) > room else text
            parts.append(quote(kb, passage, text))
            budget -= len(text) + cost
    return Reply(kind="answer", parts=tuple(parts))


def compose_passage(kb: KnowledgeBase, passage_id: str) -> Reply:
    """The reply quoting one passage (a picked "did you mean" option); an error if unknown."""
    if passage_id not in kb.by_id:
        return Reply(
            kind="error",
            parts=(Part("paragraph", "That passage is no longer in the knowledge base."),),
        )
    return _quotes(kb, [kb.passage(passage_id)])


# How far a table row must lead every other passage of a comparison to be read out first.
# 0.04 on the fused scale before ranking pooled 4 phrasings a passage, which narrowed the
# gaps between passages (dev medians: first to second 0.047 -> 0.035, first to fifth 0.114 ->
# 0.092): 0.03 keeps the same bar.
ROW_MARGIN = 0.03


@dataclass(frozen=True, slots=True)
class Answer:
    """A question's reply, and what it showed: passages best first, scope, the answer line."""

    question: str
    reply: Reply
    kind: AnswerKind
    in_scope: bool
    passages: tuple[Passage, ...] = ()
    scores: tuple[float, ...] = ()
    answer_line: str | None = None
    # What it is about: the frameworks named (a comparison's pair), else the one the best
    # passage speaks of; and that passage's aspect (see `aspect_of`).
    frameworks: tuple[str, ...] = ()
    aspect: str | None = None

    def answered(self, resolved: str | None = None) -> Answered:
        """What this answer answered and showed (`resolved`: the standalone question)."""
        shown = tuple(
            Shown(p.id, p.section_label, p.text, round(s, 4))
            for p, s in zip(self.passages, self.scores, strict=True)
        )
        return Answered(
            self.question,
            self.kind,
            self.in_scope,
            resolved,
            self.answer_line,
            shown,
            self.frameworks,
            self.aspect,
        )


def aspect_of(passage: Passage) -> str:
    """What a passage is about, for a follow-up and a label: its table row ("hiring"),
    "watch-outs", or its role in the article ("strength", "heuristic", "underrated")."""
    if passage.kind in ("row", "cell"):
        return passage.section[-1].lower()
    if "Watch out for" in passage.section:
        return "watch-outs"
    return passage.role


def _about(
    kb: KnowledgeBase, named: tuple[str, ...], passages: tuple[Passage, ...]
) -> tuple[str, ...]:
    """The frameworks an answer is about: those named, else the one its best passage is of."""
    if named or not passages:
        return named
    families = {kb.frameworks[f].family for f in passages[0].frameworks}
    return passages[0].frameworks[:1] if len(families) == 1 else ()


class Answerer:
    """Answers questions from the knowledge base through a retriever."""

    def __init__(
        self, kb: KnowledgeBase, retriever: Retriever, speller: Speller | None = None
    ) -> None:
        self.kb, self.retriever, self.speller = kb, retriever, speller

    def comparison(
        self, first: str, second: str, question: str = "", vector: np.ndarray | None = None
    ) -> Answer:
        """The side-by-side comparison of two frameworks, as an Answer.

        Its passages are ranked by relevance to `question`, so "node or spring for operations"
        lists the operational-maturity row first, and the answer line reads that row out.
        """
        from bot.dialogue.messages import compare, compared_passages

        if question and self._compares_off_topic(question):
            reply = decline_how_to(self.kb, (first, second), how_to=read_form(question).asks_how)
            return Answer(question, reply, "decline", False)
        reply = compare(self.kb, first, second)
        ids = compared_passages(self.kb, first, second)
        if question:
            relevance = self.retriever.relevance(question, vector)
            ids.sort(key=lambda pid: -relevance.get(pid, 0.0))
            scores = tuple(relevance.get(pid, 0.0) for pid in ids)
        else:
            scores = tuple(1.0 for _ in ids)
        shown = tuple(self.kb.passage(p) for p in ids)
        line = None
        if question and shown:
            row = shown[0].id if shown[0].kind == "row" else shown[0].parent
            others = [s for p, s in zip(shown, scores, strict=True) if row not in (p.id, p.parent)]
            # Read a row out only when the question is clearly about it: "node vs django"
            # scores every row within 0.02 of the next; an aspect lifts its row clear of them.
            # And only when the question says more than the two names ("django vs spring").
            if self._has_topic(question) and (not others or scores[0] - max(others) >= ROW_MARGIN):
                line = self._row_line(shown[0], first, second)
            if line is None and self._has_topic(question):
                line = self._side_line(question, shown, scores, first, second)
        if line:
            reply = Reply(reply.kind, (Part("paragraph", line), *reply.parts), reply.options)
        aspect = aspect_of(shown[0]) if question and self._has_topic(question) else None
        return Answer(
            question, reply, "comparison", True, shown, scores, line, (first, second), aspect
        )

    def _compares_off_topic(self, question: str) -> bool:
        """Whether a comparison asks what the article never discusses ("which of node and
        django has better official docs?"): its rest, the comparison's own words opening it
        cut too ("which of and"), nearer an off-topic than any passage by NAMED_REST_MARGIN."""
        rest = self._compared_rest(question)
        if not rest or not self._names_off_topic(rest):
            return False
        found: RetrievalResult = self.retriever.search(rest, k=1)
        return found.off_topic_gap >= NAMED_REST_MARGIN

    def _compared_rest(self, question: str) -> str:
        """A comparison's rest: the names cut, and the comparison's own words opening it."""
        plain = grammar().plain_comparison
        kept = self._rest(question, []).split()
        while kept and kept[0].strip(",.?!").lower() in plain:
            kept.pop(0)
        return " ".join(kept)

    def _side_line(
        self,
        question: str,
        shown: tuple[Passage, ...],
        scores: tuple[float, ...],
        first: str,
        second: str,
    ) -> str | None:
        """The line when the best passage speaks for one side only and leads the other's best.

        On dev, "node or django for content" ranked Django's content bullet first by 0.1 and
        said nothing: only a row could be read out.
        """
        sides = [f for f in (first, second) if f in shown[0].frameworks]
        if len(sides) != 1:
            return None
        side, other = sides[0], second if sides[0] == first else first
        rival = max(
            (
                s
                for p, s in zip(shown, scores, strict=True)
                if other in p.frameworks and side not in p.frameworks
            ),
            default=0.0,
        )
        if scores[0] - rival < ROW_MARGIN:
            return None
        return side_line(question, shown[0], self.kb, side)

    def _has_topic(self, question: str) -> bool:
        """Whether `question` says anything beyond naming frameworks to compare."""
        names = {
            w
            for f in self.kb.frameworks.values()
            for alias in (f.id, f.name, *f.aliases)
            for w in alias.lower().replace("-", " ").split()
        }
        return says_more_than(question, names, grammar().plain_comparison)

    def _row_line(self, passage: Passage, first: str, second: str) -> str | None:
        """'On hiring, the article's table says Django: Large; Spring Boot: Large in ...'."""
        from bot.dialogue.messages import column

        row = next(
            (
                r
                for r in self.kb.table.rows
                if passage.id in (r.passage, *(f"{r.passage}.{c}" for c in r.cells))
            ),
            None,
        )
        if row is None:
            return None
        said = []
        for fid in (first, second):
            cell = column(self.kb, fid)
            if cell:
                said.append(f"{self.kb.frameworks[fid].name}: {row.cells[cell]}")
        return f"On {row.label.lower()}, the article's table says " + "; ".join(said) + "."

    def _unknown(self, text: str) -> list[tuple[int, int, str]]:
        """Technologies `text` asks about that no catalogue names ("is bun stable enough for
        production apis?"): bot.nlu.names, with the speller's dictionary (none without one)."""
        return [] if self.speller is None else unknown_technologies(text, self.kb, self.speller)

    def _asks_about_uncovered(self, text: str, unknown: list[tuple[int, int, str]]) -> bool:
        """Whether `text` asks about uncovered technologies (the catalogue's or `unknown`), no
        covered framework set against them."""
        others = [(start, end) for start, end, _ in unknown]
        asks = bool(uncovered_subjects(text, self.kb)) or bool(unknown)
        return asks and not weighed_against(text, self.kb, others)

    def to_encode(self, text: str) -> list[str]:
        """What `answer(text)` may encode besides `text` (mended already), for a prefetch."""
        unknown = self._unknown(text)
        beyond = read_form(text).asks_beyond or self._asks_about_uncovered(text, unknown)
        rest = self._searched_rest(text, unknown, beyond)
        compared = self._compared_rest(text) if compared_pair(text, self.kb) else ""
        compared = compared if self._names_off_topic(compared) else ""
        return [t for t in dict.fromkeys((rest, compared)) if t]

    def _searched_rest(self, text: str, unknown: list[tuple[int, int, str]], beyond: bool) -> str:
        """The rest of `text` (see `_rest`) when `answer` searches it: when it asks `beyond`
        the article or about an uncovered technology, or names a word only the off-topics
        use; else ""."""
        rest = self._rest(text, unknown)
        return rest if beyond or self._names_off_topic(rest) else ""

    def _names_off_topic(self, text: str) -> bool:
        """Whether `text` holds a word knowledge/off_topics.yaml uses and the article never does
        ("licence", "documentation", "cron"): only then can its rest sit nearer an off-topic by
        NAMED_REST_MARGIN. On dev every question that does holds one, and 68 of the 251 in-scope
        questions naming a framework search their rest (asking beyond the article included):
        the rest skip that second forward pass (`make bench` ask/encode 2.2 with it on all)."""
        only = self.kb.derived.get("off-topic-words")
        if not isinstance(only, frozenset):
            article = {t for p in self.kb.passages for t in tokenize(p.index_text)}
            only = frozenset({t for d in self.kb.off_topics for t in tokenize(d)} - article)
            self.kb.derived["off-topic-words"] = only
        return any(t in only for t in tokenize(text))

    def _rest(self, text: str, unknown: list[tuple[int, int, str]]) -> str:
        """What a question naming a covered framework asks once every technology's name is
        cut out ("does prisma play nicely with nestjs" -> "does play nicely with"); "" when
        it names none, or nothing is left."""
        if not mentioned_frameworks(text, self.kb, languages=True):
            return ""
        others = [(start, end) for start, end, _ in unknown]
        rest = without_frameworks(text, self.kb, uncovered=True, others=others)
        return rest if words(rest) else ""

    def answer(self, text: str, vector: np.ndarray | None = None, k: int = 3) -> Answer:
        """The answer to `text` (`vector`: its embedding when already computed)."""
        question = text
        if self.speller is not None:
            text = self.speller.correct(text)
            if text != question:
                vector = None  # the vector of the misspelt text
        unknown = self._unknown(text)
        form = read_form(text)
        asks_uncovered = self._asks_about_uncovered(text, unknown)
        rest = self._searched_rest(text, unknown, form.asks_beyond or asks_uncovered)
        rest_found: RetrievalResult | None = self.retriever.search(rest, k=1) if rest else None
        # Asked without its names, nearer a topic the article never discusses than any passage
        # ("what does a spring boot licence cost" -> "what does a licence cost").
        if (
            rest_found is not None
            and self._names_off_topic(rest)
            and rest_found.off_topic_gap >= NAMED_REST_MARGIN
        ):
            covered = tuple(mentioned_frameworks(text, self.kb, languages=True))
            reply = decline_how_to(self.kb, covered, how_to=form.asks_how)
            return Answer(question, reply, "decline", False)
        pair = compared_pair(text, self.kb)
        if pair is not None:
            return replace(self.comparison(*pair, question=text, vector=vector), question=question)
        if unknown and not mentioned_frameworks(text, self.kb, languages=True):
            # "is vapor ready for production?": the catalogue lacks Vapor, and the article
            # ("all three are production-grade") says nothing of it.
            named = sorted(
                [(a, n) for a, _, n in unknown]
                + [(span[0], n) for n, span in mentioned_uncovered(text, self.kb)]
            )
            names = tuple(dict.fromkeys(n for _, n in named))
            return Answer(question, decline_uncovered(names), "decline", False)
        result: RetrievalResult = self.retriever.search(text, k=k, vector=vector)
        if not result.in_scope or not result.hits:
            if result.frameworks:
                reply = decline_how_to(self.kb, result.frameworks, result.uncovered)
                return Answer(question, reply, "decline", False)
            if result.uncovered:
                return Answer(question, decline_uncovered(result.uncovered), "decline", False)
            return Answer(question, compose_answer(result, self.kb), "decline", False)
        uncovered = tuple(dict.fromkeys([*result.uncovered, *(n for _, _, n in unknown)]))
        # What is left once the names of technologies are cut out is what the question asks:
        # "does prisma play nicely with nestjs" asks "does play nicely with".
        if (
            rest_found is not None
            and (form.asks_beyond or asks_uncovered)
            and not rest_found.topical
        ):
            reply = decline_how_to(self.kb, result.frameworks, uncovered, form.asks_how)
            return Answer(question, reply, "decline", False)
        # The two best, not three: "whats the hiring situation for Go" gets the hiring row's
        # Spring Boot and Node.js cells, then the heuristic that names Go for throughput. On
        # dev the best alone would decline "go vs node for a dead simple http service" (its
        # lower-case go unread); the two best decline no in-scope question.
        best = tuple(h.passage for h in result.hits[:2])
        others = elsewhere(self.kb, result.frameworks, best)
        if others and result.topical and not asks_uncovered:
            reply = decline_elsewhere(self.kb, result.frameworks, others)
            return Answer(question, reply, "decline", False)
        reply = compose_answer(result, self.kb)
        line = None
        if result.topical and not _asks_back(reply) and not asks_uncovered:
            # A line asserts about what the question asks: not about a covered framework when
            # the question asks about an uncovered technology beside it ("is salvo mature
            # enough for a rust api?" is no question about Rust).
            line = answer_line(text, _line_passage(result, self.kb), self.kb, result.frameworks)
        elif not result.topical:
            names = tuple(self.kb.frameworks[f].name for f in result.frameworks)
            line = (
                "The article doesn't answer that directly. "
                f"Here is what it says about {_names(names)}:"
            )
        notes = []
        if uncovered:
            notes.append(f"The article doesn't cover {_names(uncovered)}: this answers the rest.")
        if line or notes:
            lead = tuple(Part("paragraph", t) for t in (line, *notes) if t)
            reply = Reply(reply.kind, lead + reply.parts, reply.options, reply.scores)
        shown = tuple(hit.passage for hit in result.hits)
        return Answer(
            question,
            reply,
            "choices" if _asks_back(reply) else "answer",
            True,
            shown,
            tuple(hit.score for hit in result.hits),
            line,
            _about(self.kb, tuple(result.frameworks), shown),
            aspect_of(shown[0]) if shown else None,
        )
