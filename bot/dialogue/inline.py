"""Inline mode (`@bot question` in any chat) and the shared pick, as structured results.

An answer becomes up to five article results, one per passage; an empty or out-of-scope
query gets the bot's card. A pick is shared through a query that carries its answers
(`SharedPick`): the inline result is the pick the advisor makes from them, so it needs no
stored state, works from any chat, and shows the pick of the message whose Share button
was pressed, even after /cancel, /forget or a newer pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.advisor import Recommendation
from bot.dialogue.answer import Answer, distinct, flat, quote, shorten
from bot.dialogue.messages import WELCOME, cite
from bot.form import FormSpec
from bot.knowledge import KnowledgeBase
from bot.replies import Article, DialogueState, InlineAnswer, Option, Part, Reply

# The cap on results per query (Telegram allows 50).
MAX_RESULTS = 5
# Telegram shows about two lines (~100 characters) of a result's description.
PREVIEW = 100
# Telegram cuts an inline query (and a switch_inline_query button's text) at 256 characters.
QUERY_LIMIT = 256
# The reasons a shared pick quotes: the summary should fit a phone screen in a group chat.
SHARED_REASONS = 3
# What a Share button pre-fills after the bot's username; the answers follow.
SHARE_PREFIX = "pick:"
CARD_ID = "card"
CARD_TITLE = "Backend Framework Advisor"
CARD_PREVIEW = "Ask about Node.js, Django, Spring Boot and friends, or get a recommendation."
# The option the card carries: adapters turn it into a deep link (`/start recommend`).
RECOMMEND = Option("Get a recommendation", "menu", value="recommend")
OWN_PICK = Option("Get your own recommendation", "menu", value="recommend")
NO_PICK = "No recommendation to share yet: finish one with /recommend, then press Share."


def card() -> InlineAnswer:
    """The bot's own card: what it does, and a button that starts a recommendation."""
    reply = Reply("info", (Part("paragraph", WELCOME),), ((RECOMMEND,),))
    article = Article(CARD_ID, CARD_TITLE, CARD_PREVIEW, reply)
    return InlineAnswer((article,), button=RECOMMEND)


def passage_articles(kb: KnowledgeBase, found: Answer) -> InlineAnswer:
    """Up to five results for an answered question (one per distinct passage); else the card.

    The first result's title is the answer line when there is one, the others' their section.
    """
    if not found.in_scope or not found.passages:
        return card()
    articles = []
    for n, passage in enumerate(distinct(kb, list(found.passages))[:MAX_RESULTS]):
        line = found.answer_line if n == 0 else None
        text = flat(passage)
        # The answer line heads the message it posts too: a bare bullet ("CPU-heavy work")
        # means little in someone else's chat.
        lead = (Part("paragraph", line),) if line else ()
        reply = Reply("answer", (*lead, quote(kb, passage, text)))
        title = line or passage.section_label
        articles.append(Article(passage.id, title, shorten(text, PREVIEW), reply))
    return InlineAnswer(tuple(articles))


@dataclass(slots=True)
class SharedPick:
    """The answers a pick was made from, as carried by a share query."""

    slots: dict[str, str] = field(default_factory=dict)
    negated: dict[str, list[str]] = field(default_factory=dict)
    needs: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


class ShareCodec:
    """Answers <-> the query a Share button pre-fills: "pick: python content small +need -fw".

    A slot's value stands alone when no other slot has it (else `slot=value`); `!value` rules
    a value out, `+need` is a stated need (its id, never the user's words), `-framework` a
    framework ruled out. Decoding is strict: one unknown word and the text is a question.
    """

    def __init__(self, spec: FormSpec, kb: KnowledgeBase) -> None:
        self.spec, self.kb = spec, kb
        owners: dict[str, list[str]] = {}
        for slot in spec.slots:
            for value in slot.values:
                owners.setdefault(value, []).append(slot.name)
        self._owner = {value: names[0] for value, names in owners.items() if len(names) == 1}

    def _token(self, slot: str, value: str) -> str:
        return value if self._owner.get(value) == slot else f"{slot}={value}"

    def _slot_value(self, token: str) -> tuple[str, str] | None:
        slot, _, value = token.rpartition("=")
        slot = slot or self._owner.get(value, "")
        if slot in self.spec.slot_names and value in self.spec.slot(slot).values:
            return slot, value
        return None

    def encode(self, state: DialogueState) -> str:
        """The share query for the answers in `state` (at most 256 characters)."""
        tokens = [
            self._token(slot.name, state.slots[slot.name])
            for slot in self.spec.slots
            if slot.name in state.slots
        ]
        tokens += [
            "!" + self._token(slot, value)
            for slot, values in state.negated.items()
            for value in values
        ]
        optional = [f"+{need}" for need in state.needs] + [f"-{fid}" for fid in state.excluded]
        query = " ".join([SHARE_PREFIX, *tokens])
        for token in optional:
            # Past Telegram's limit the rarest parts go: needs and exclusions beyond it.
            if len(query) + 1 + len(token) <= QUERY_LIMIT:
                query += " " + token
        return query[:QUERY_LIMIT]

    def decode(self, text: str) -> SharedPick | None:
        """The answers a share query carries; None when `text` is not one (a question)."""
        words = text.split()
        # "pick:" alone is a pick made with every question skipped: the advisor's default.
        if not words or words[0].lower() != SHARE_PREFIX:
            return None
        pick = SharedPick()
        for word in words[1:]:
            if word.startswith("+") and word[1:] in self.kb.needs:
                pick.needs.append(word[1:])
            elif word.startswith("-") and word[1:] in self.kb.frameworks:
                pick.excluded.append(word[1:])
            elif word.startswith("!") and (found := self._slot_value(word[1:])) is not None:
                slot, value = found
                pick.negated.setdefault(slot, []).append(value)
            elif (found := self._slot_value(word)) is not None:
                slot, value = found
                pick.slots[slot] = value
            else:
                return None
        return pick


def share_option(query: str) -> Option:
    """The Share button of a recommendation: it pre-fills `query` in the chat the user picks."""
    return Option("Share", "share", value=query)


def pick_summary(kb: KnowledgeBase, spec: FormSpec, rec: Recommendation) -> Reply:
    """A pick to post elsewhere: the pick, its top reasons with citations, what it rests on."""
    parts = [Part("heading", f"Recommendation: {rec.pick.name}")]
    parts.append(Part("paragraph", "Why:"))
    parts += [Part("bullet", r.text, cite(kb, r.source)) for r in rec.reasons[:SHARED_REASONS]]
    verdict = "close call" if rec.close_call else "clear pick"
    parts.append(Part("paragraph", f"Runner-up: {rec.runner_up.name} ({verdict})."))
    based = based_on(spec, rec)
    if based:
        parts.append(Part("paragraph", based))
    return Reply("recommendation", tuple(parts), ((OWN_PICK,),))


def based_on(spec: FormSpec, rec: Recommendation) -> str:
    """'Based on: Team language: Python; ...' for the answers given ("" when none)."""
    known = [s for s in spec.slots if rec.slots.get(s.name)]
    if not known:
        return ""
    return (
        "Based on: "
        + "; ".join(f"{s.title}: {s.option(rec.slots[s.name] or '').label}" for s in known)
        + "."
    )


def pick_article(kb: KnowledgeBase, spec: FormSpec, rec: Recommendation, key: str) -> Article:
    """The inline result that posts a shared pick (`key`: its id, the same for the same pick)."""
    reply = pick_summary(kb, spec, rec)
    preview = shorten(based_on(spec, rec) or f"Runner-up: {rec.runner_up.name}", PREVIEW)
    return Article(key, f"Recommendation: {rec.pick.name}", preview, reply)
