"""Follow-ups: a message read against what the conversation is about (`Subject`).

"and node?", "is it hard to hire for?", "how does django's compare?", "why not fastapi?" mean
nothing alone. `Resolver.resolve` turns such a message into the standalone question it stands
for, with the act that answers it; a message that names its own subject resolves to nothing
and is answered as if asked alone. The words live in intents/followups.yaml; the mechanisms
(pronoun substitution, ellipsis, a carried comparison, why-not) are written once here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.datafile import Node, load_yaml
from bot.knowledge import KnowledgeBase
from bot.knowledge.mentions import framework_spans, mentioned_frameworks, mentioned_uncovered
from bot.replies import Subject
from bot.text import is_question, straight
from bot.text.grammar import grammar, word_count, word_list
from bot.text.phrases import Phrases

FILE = "followups.yaml"
# ask: answer `text` as a first question; compare: `frameworks` side by side, ranked by `text`;
# why_not: why the pick (first) beat the other (second).
FollowAct = Literal["ask", "compare", "why_not"]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The standalone question a follow-up stands for, and how to answer it."""

    act: FollowAct
    text: str
    frameworks: tuple[str, ...] = ()
    # The user's words point at a framework ("is it hard to hire for?"): a question about it,
    # never the team's answer to the form's question.
    referred: bool = False


def _family(node: Node, key: str, before: str = "", after: str = "") -> re.Pattern[str]:
    """The words at `key` as one pattern (the text layer's phrases), between the regexes
    `before` and `after` when the family matches only in a place ("^\\W*": opening)."""
    body = Phrases(word_list(node, key)).group()
    return re.compile(f"{before}{body}{after}", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FollowUpWords:
    """intents/followups.yaml, compiled: each family of words as one pattern."""

    one: re.Pattern[str]
    possessive: re.Pattern[str]
    pick: re.Pattern[str]
    both: re.Pattern[str]
    both_possessive: re.Pattern[str]
    former: re.Pattern[str]
    latter: re.Pattern[str]
    reciprocals: re.Pattern[str]
    discourse: re.Pattern[str]
    closers: re.Pattern[str]
    conditions: re.Pattern[str]
    kinds: re.Pattern[str]
    ellipsis: re.Pattern[str]
    ellipsis_words: int
    fragment_words: int
    comparatives: re.Pattern[str]
    equatives: re.Pattern[str]
    choosers: re.Pattern[str]
    why_not: re.Pattern[str]
    requests: re.Pattern[str]
    versus: re.Pattern[str]
    hypotheticals: re.Pattern[str]
    fillers: frozenset[str]


def load_followups(directory: Path) -> FollowUpWords:
    """Read intents/followups.yaml; a DataError (file:line) when a family is missing."""
    root = load_yaml(directory / FILE)
    pronouns = root.require("pronouns")
    opening = r"^\W*"
    return FollowUpWords(
        one=_family(pronouns, "one"),
        possessive=_family(pronouns, "possessive"),
        pick=_family(pronouns, "pick"),
        both=_family(pronouns, "both"),
        both_possessive=_family(pronouns, "both_possessive"),
        former=_family(pronouns, "former"),
        latter=_family(pronouns, "latter"),
        reciprocals=_family(pronouns, "reciprocals"),
        # "@bot is node a good fit?": a mention addresses the message, it asks nothing.
        discourse=_family(root, "discourse", r"^\W*?(?:@\w+|", r")[\s,.!:;-]+"),
        conditions=_family(root, "conditions"),
        kinds=_family(root, "kinds", r"\bthe\s+([\w.+#-]+)\s+"),
        closers=_family(root, "closers", after=r"\W*$"),
        ellipsis=_family(root, "ellipsis", opening, r"\b"),
        ellipsis_words=word_count(root, "ellipsis_words"),
        fragment_words=word_count(root, "fragment_words"),
        comparatives=_family(root, "comparatives"),
        equatives=_family(root, "equatives", after=r"(?:\s+[\w-]+){1,2}\W*$"),
        choosers=_family(root, "choosers"),
        why_not=_family(root, "why_not"),
        requests=_family(root, "requests", opening, r"\b"),
        versus=_family(root, "versus"),
        hypotheticals=_family(root, "hypotheticals", opening),
        # "and node devs?": the people who build with a framework add nothing to its name.
        fillers=frozenset(word_list(root, "fillers")) | grammar().people.builders.words,
    )


_WORD = re.compile(r"[\w.+#-]+")


class Resolver:
    """Resolves follow-ups against the conversation's subject."""

    def __init__(self, kb: KnowledgeBase, words: FollowUpWords) -> None:
        self.kb, self.words = kb, words

    def _name(self, fid: str) -> str:
        return self.kb.frameworks[fid].name

    def _names(self, fids: list[str] | tuple[str, ...], joiner: str = "and") -> str:
        names = [self._name(f) for f in fids]
        return names[0] if len(names) == 1 else f" {joiner} ".join(names)

    def asks(self, text: str) -> bool:
        """Whether `text` asks something: a question's form, a request, or an ellipsis; a
        hypothetical ("what if we ran it on Lambda?") states a fact to try instead."""
        words = self.words
        if words.hypotheticals.search(text):
            return False
        # A message opening with a condition ("if it's a small team?") asks the last again.
        opens = words.requests.search(text) or words.ellipsis.search(text)
        return bool(
            opens or words.conditions.match(text) or words.versus.search(text) or is_question(text)
        )

    def unframed(self, text: str) -> str:
        """`text` without the words that open a chat message and add nothing ("ok so ..."),
        and without a speaker's name pasted before it ("Priya: and fastapi?")."""
        text = self._unlabelled(text)
        while True:
            found = self.words.discourse.match(text)
            if found is None or found.end() >= len(text):
                return text
            text = text[found.end() :]

    def _unlabelled(self, text: str) -> str:
        """`text` without a leading "Name:" that names no technology ("Django: is it mature?"
        asks about Django)."""
        label, colon, rest = text.lstrip().partition(":")
        if (
            not colon
            or not rest.startswith(" ")
            or not label.isalpha()
            or not label[0].isupper()
            or mentioned_frameworks(label, self.kb, languages=True)
            or mentioned_uncovered(label, self.kb)
        ):
            return text
        return rest.lstrip()

    def resolve(self, text: str, subject: Subject) -> Resolution | None:
        """The standalone question `text` stands for given `subject`, or None: `text` is
        answered as written (it names its own subject, or nothing carries over)."""
        current = subject.pair or subject.frameworks or ([subject.pick] if subject.pick else [])
        if not current and not subject.question:
            return None
        written = self.unframed(straight(" ".join(text.split())))
        text = self._named_by_kind(written)
        if not self.asks(text):
            return None  # a statement is a fact about the team: the form reads it
        if not current:
            opened = self.words.conditions.match(text) is not None
            return self._new_condition(text, subject.question, opened)
        named = mentioned_frameworks(text, self.kb)
        others = [f for f in named if f not in current]
        pick = subject.pick
        rivals = [f for f in named if f != pick]
        # "how would go compare to what you picked": the pick's own words are no why-not.
        if pick and rivals and self.words.why_not.search(self.words.pick.sub(" ", text)):
            return self._why_not(pick, rivals[0])
        if pick and self.words.pick.search(text):
            current = [pick]  # "is the one you picked easy to learn": it is the pick
        before = [f for f in subject.previous if f not in current]
        swapped = self._substitute(text, current, pick, self._name, before)
        if swapped != text:
            both = mentioned_frameworks(swapped, self.kb)
            compares = self.words.comparatives.search(swapped) or self.words.choosers.search(
                swapped
            )
            if len(both) >= 2 and compares:
                pair = (both[0], both[1])
                if subject.question and self._topicless(swapped, pair):
                    # "is it bigger or smaller than node's?" after "what about django's
                    # hiring": the comparison is on the last question's aspect.
                    swapped = f"{subject.question} {swapped}"
                return Resolution("compare", swapped, pair)
            asked = self._substitute(text, current, pick, self.referent, before)
            return Resolution("ask", asked, tuple(both), referred=True)
        elided = self._ellipsis(text, subject, current, named, others)
        if elided is not None:
            return elided
        compares = self.words.comparatives.search(text) or self.words.equatives.search(text)
        if len(named) == 1 and others and compares:
            # "how does django's compare?", "is node as mature?": against the subject.
            pair = (current[0], others[0])
            return Resolution("compare", f"{subject.question} {text}".strip(), pair)
        if not named and len(current) >= 2 and self.words.choosers.search(text):
            pair = (current[0], current[1])
            return Resolution("compare", f"{text} ({self._names(pair, 'or')})", pair)
        if not named and self.words.conditions.match(text):
            return self._new_condition(text, subject.question, opened=True)
        if text != written:
            # "what's the java one good at?" asks about Spring Boot, not the team's language.
            return Resolution("ask", text, tuple(named))
        return None

    def _topicless(self, text: str, pair: tuple[str, str]) -> bool:
        """Whether a comparison of `pair` says nothing but their names and how they compare."""
        words = self.words
        rest = words.choosers.sub(" ", words.comparatives.sub(" ", text))
        names = {w for f in pair for w in self._aliases(f)}
        plain = grammar().plain_comparison
        return all(
            t in words.fillers or t in names or t in plain for t in _WORD.findall(rest.lower())
        )

    def _named_by_kind(self, text: str) -> str:
        """`text` with "the java one", "the js thing" written as the framework they name."""

        def name(found: re.Match[str]) -> str:
            fids = mentioned_frameworks(found.group(1), self.kb, languages=True)
            return self._name(fids[0]) if len(fids) == 1 else found.group(0)

        return self.words.kinds.sub(name, text)

    def _new_condition(self, text: str, question: str, opened: bool = False) -> Resolution | None:
        """After a question about no framework ("what does the article recommend for a
        full-stack TypeScript team?"), "and for an enterprise platform?" or "if it's a small
        team?" (`opened`: it starts with its condition) asks it again for another case: the
        last question up to its condition, with the new one."""
        if not (opened or self.words.ellipsis.search(text)):
            return None
        if mentioned_frameworks(text, self.kb):
            return None
        new = self.words.conditions.search(text)
        old = self.words.conditions.search(question)
        if new is None or old is None:
            return None
        standalone = f"{question[: old.start()].rstrip()} {text[new.start() :].strip()}"
        return Resolution("ask", standalone)

    def _why_not(self, pick: str, other: str) -> Resolution:
        question = f"why {self._name(pick)} and not {self._name(other)}?"
        return Resolution("why_not", question, (pick, other))

    def _substitute(
        self,
        text: str,
        current: list[str],
        pick: str | None,
        name: Callable[[str], str],
        before: list[str] | None = None,
    ) -> str:
        """`text` with its pronouns replaced by the `name`s of what they stand for; `before`:
        the frameworks discussed before `current`, what "the other one" and "the two" add to a
        single one in view."""
        words = self.words
        # "how do the two stack up against each other?": a reciprocal is no pronoun.
        held = [m.group(0) for m in words.reciprocals.finditer(text)]
        text = words.reciprocals.sub("\x00", text)
        in_view = current[0]
        if len(current) == 1 and before:
            current = [before[0], in_view]  # "the first one", "the other one", "the two"
            ordinals = [(words.former, name(current[0])), (words.latter, name(current[0]))]
        else:
            ordinals = [(words.former, name(current[0]))]
            ordinals += [(words.latter, name(current[1]))] if len(current) >= 2 else []
        # "going back to the first one, what are its weak spots?": an ordinal names its
        # framework wherever it stands, and a pronoun after it stands for that.
        for pattern, said in ordinals:
            text = pattern.sub(said, text)
        first = name(in_view)
        group = " and ".join(name(f) for f in current) if len(current) >= 2 else first
        swaps = [(words.pick, name(pick or current[0]))]
        swaps += [
            (words.both_possessive, f"{group}'s"),
            (words.both, group),
            (words.possessive, f"{first}'s"),
            (words.one, first),
        ]
        # "what about flask, is it good for small apis": a name before the pronoun is what
        # it stands for, so only the part before the first name is read against the subject.
        first_name = min(
            [start for start, _, _ in framework_spans(text, self.kb, True)]
            + [span[0] for _, span in mentioned_uncovered(text, self.kb)],
            default=len(text),
        )
        head, tail = text[:first_name], text[first_name:]
        for pattern, said in swaps:
            head = pattern.sub(said, head)
        # "how would go compare to what you picked": the pick's words name it wherever they
        # stand, a name before them or not.
        out = head + words.pick.sub(swaps[0][1], tail)
        for phrase in held:
            out = out.replace("\x00", phrase, 1)
        return out

    def referent(self, fid: str) -> str:
        """A framework's name as a standalone question should say it: with the article's
        column it sits in when it has none of its own ("NestJS (Node.js)"), so the table's
        rows answer for it."""
        name = self._name(fid)
        if fid in self.kb.table.columns:
            return name
        for column, title in self.kb.table.columns.items():
            home = self.kb.by_id.get(self.kb.frameworks[column].source)
            if home is not None and fid in home.frameworks:
                return f"{name} ({title})"
        return name

    def _ellipsis(
        self,
        text: str,
        subject: Subject,
        current: list[str],
        named: list[str],
        others: list[str],
    ) -> Resolution | None:
        """ "and node?", "same for django?", "and for hiring?": the part the message left out
        comes from the last question."""
        opener = self.words.ellipsis.search(text)
        rest = text[opener.end() if opener else 0 :].strip(" ?!.,")
        tokens = _WORD.findall(rest.lower())
        if len(tokens) > self.words.ellipsis_words:
            if opener is None or named:
                return None
            again = self._new_condition(text, subject.question)
            return None if again is None else Resolution("ask", again.text, tuple(current))
        uncovered = [name for name, _ in mentioned_uncovered(rest, self.kb)]
        names = {w for f in named for w in self._aliases(f)}
        bare = all(t in self.words.fillers or t in names for t in tokens)
        closed = self.words.closers.search(rest)
        if (
            opener is None
            and not (bare and others)
            and not (closed and not named)
            and not self._fragment(text, tokens)
        ):
            return None  # "django's?" says no more than a name: elliptical all the same
        if closed and not named:
            rest = rest[: closed.start()].strip(" ?!.,")
        if (others or uncovered) and bare:
            new = self._name(others[0]) if others else uncovered[0]
            if subject.pick and (subject.kind in ("pick", "why_not")) and others:
                return self._why_not(subject.pick, others[0])
            if subject.kind == "comparison" and others and len(current) >= 2:
                pair = (current[0], others[0])
                return Resolution("compare", f"{subject.question} {rest}".strip(), pair)
            question = self._swap(subject.question, current, new)
            return Resolution("ask", question, tuple(others))
        if named or uncovered or not tokens:
            return None  # names its own subject and says what it asks: asked alone
        if opener is not None:
            again = self._new_condition(text, subject.question)
            if again is not None:
                return Resolution("ask", again.text, tuple(current))
        if subject.kind == "comparison" and len(current) >= 2:
            pair = (current[0], current[1])
            return Resolution("compare", f"{self._names(pair)}: {rest}?", pair)
        return Resolution("ask", f"{rest} for {self._names(current)}?", tuple(current))

    def _fragment(self, text: str, tokens: list[str]) -> bool:
        """Whether `text` asks with a short phrase alone ("main strength?", "learning curve?"):
        no question word opens it, so its subject is the last one's."""
        if not text.rstrip().endswith("?") or len(tokens) > self.words.fragment_words:
            return False
        opening = grammar().questions.openers.search(text)
        return opening is None or bool(text[: opening.start()].strip(" \t\"'"))

    def _aliases(self, fid: str) -> set[str]:
        framework = self.kb.frameworks[fid]
        out = {fid}
        for alias in (framework.name, *framework.aliases):
            out |= set(_WORD.findall(alias.lower()))
        return out

    def _swap(self, question: str, current: list[str], new: str) -> str:
        """The last question with the subject's names replaced by `new`."""
        spans = [s for s in framework_spans(question, self.kb, False) if s[2] in current]
        if not question:
            return f"what about {new}?"
        if not spans:
            return f"{question.rstrip(' ?')} for {new}?"
        out, at = [], 0
        for start, end, _ in spans:
            out += [question[at:start], new]
            at = end
        out.append(question[at:])
        return "".join(out)
