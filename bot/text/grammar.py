"""intents/text.yaml, loaded and validated: the words the text layer reads with.

`load_grammar(directory)` reads and checks the file (a DataError names file:line); `grammar()`
is the packaged one, read once on first use, which every reader calls.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from bot.config import packaged
from bot.datafile import Node, load_yaml
from bot.text.phrases import Phrases

FILE = "text.yaml"


@dataclass(frozen=True, slots=True)
class Punctuation:
    """Where a message is cut (see intents/text.yaml `punctuation`)."""

    sentence: tuple[str, ...]
    clause: tuple[str, ...]
    dashes: tuple[str, ...]
    list: tuple[str, ...]
    terse_list: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Connectives:
    """Where a sentence's clauses meet (see `clauses`)."""

    after_comma: Phrases
    opening: Phrases
    subject_after_comma: Phrases
    joiners: Phrases
    subject_after_joiner: Phrases
    relatives: Phrases
    requirements: Phrases
    leading: Phrases


@dataclass(frozen=True, slots=True)
class NegationWords:
    """NegEx's termsets (see `negation`): what negates, how far, and what stops it."""

    preceding: Phrases
    endings: tuple[str, ...]
    window: int
    reaching: Phrases
    pseudo: Phrases
    termination: Phrases
    deflecting: Phrases
    undoing: Phrases
    copulas: Phrases
    following: Phrases
    dismissals: Phrases
    requirement: Phrases


@dataclass(frozen=True, slots=True)
class QuestionWords:
    """What makes a clause ask (see `questions`)."""

    auxiliaries: Phrases
    openers: Phrases
    topics: Phrases
    topic_links: Phrases
    indirect: Phrases
    indirect_links: Phrases
    which: Phrases
    tags: Phrases


@dataclass(frozen=True, slots=True)
class PeopleWords:
    """Words for people, teams and the speaker (see `people`)."""

    first_person: Phrases
    second_person: Phrases
    builders: Phrases
    anyone: Phrases
    organisations: Phrases
    others: Phrases
    everyone: Phrases
    startup_speed_before: Phrases
    startup_words: Phrases
    startup_speed_after: Phrases


@dataclass(frozen=True, slots=True)
class PastWords:
    """What puts a phrase in the past or in someone else's mouth (see `past`)."""

    before: Phrases
    near: Phrases
    near_window: int
    present: Phrases
    after: Phrases
    durations: Phrases
    perfect_auxiliaries: tuple[str, ...]
    perfect_participles: Phrases


@dataclass(frozen=True, slots=True)
class Grammar:
    """Everything intents/text.yaml declares, compiled."""

    apostrophes: tuple[str, ...]
    quotes: tuple[str, ...]
    punctuation: Punctuation
    clauses: Connectives
    negation: NegationWords
    questions: QuestionWords
    people: PeopleWords
    numbers: dict[str, int]
    group_numbers: dict[str, int]
    count_openers: Phrases
    prepositions: frozenset[str]
    determiners: Phrases
    not_verbs: frozenset[str]
    joiners: tuple[str, ...]
    stem_endings: tuple[str, ...]
    speller_endings: tuple[str, ...]
    past: PastWords
    skills: Phrases
    skill_window: int
    article: Phrases
    change_verbs: Phrases
    change_determiners: Phrases
    change_anything: frozenset[str]
    comparison_markers: Phrases
    alternatives: Phrases
    comparatives: Phrases
    plain_comparison: frozenset[str]
    context_before: Phrases
    context_determiners: Phrases
    context_suffixes: Phrases
    no_need: frozenset[str]
    go_after: tuple[str, ...]
    go_before: Phrases


def word_list(node: Node, key: str) -> list[str]:
    """The strings listed at `key`: lower case, and strings (YAML reads a bare no as false)."""
    field = node.require(key)
    out = []
    for item in field.items():
        if not isinstance(item.value, str):
            raise item.error(f"{key}: '{item.value}' is no word: quote it")
        text = item.text()
        if text != text.lower():
            raise item.error(f"{key}: '{text}': write the text layer's words in lower case")
        out.append(text)
    if not out:
        raise field.error(f"{key}: the list is empty")
    return out


def _phrases(node: Node, key: str) -> Phrases:
    return Phrases(word_list(node, key))


def word_count(node: Node, key: str) -> int:
    """The whole number of words at `key` (a DataError at its line otherwise)."""
    field = node.require(key)
    value = field.number()
    if value < 0 or value != int(value):
        raise field.error(f"{key}: expected a whole number of words, got {value}")
    return int(value)


def _numbers(node: Node, key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for word, value in node.require(key).mapping().items():
        if word != word.lower():
            raise value.error(f"{key}: '{word}': write the text layer's words in lower case")
        out[word] = int(value.number())
    return out


def _characters(node: Node, key: str) -> tuple[str, ...]:
    out = tuple(node.require(key).texts())
    for item in node.require(key).items():
        if len(item.text()) != 1:
            raise item.error(f"{key}: '{item.text()}' is not one character")
    return out


def load_grammar(directory: Path) -> Grammar:
    """Read intents/text.yaml from `directory`; a DataError (file:line) on a fault."""
    root = load_yaml(directory / FILE)
    punct = root.require("punctuation")
    con = root.require("clauses")
    neg = root.require("negation")
    ask = root.require("questions")
    ppl = root.require("people")
    fun = root.require("function_words")
    forms = root.require("word_forms")
    past = root.require("past")
    change = root.require("change")
    comp = root.require("comparison")
    ctx = root.require("context")
    return Grammar(
        apostrophes=_characters(root, "apostrophes"),
        quotes=_characters(root, "quotes"),
        punctuation=Punctuation(
            sentence=_characters(punct, "sentence"),
            clause=_characters(punct, "clause"),
            dashes=_characters(punct, "dashes"),
            list=_characters(punct, "list"),
            terse_list=_characters(punct, "terse_list"),
        ),
        clauses=Connectives(
            after_comma=_phrases(con, "after_comma"),
            opening=_phrases(con, "opening"),
            subject_after_comma=_phrases(con, "subject_after_comma"),
            joiners=_phrases(con, "joiners"),
            subject_after_joiner=_phrases(con, "subject_after_joiner"),
            relatives=_phrases(con, "relatives"),
            requirements=_phrases(con, "requirements"),
            leading=_phrases(con, "leading"),
        ),
        negation=NegationWords(
            preceding=_phrases(neg, "preceding"),
            endings=tuple(word_list(neg, "preceding_endings")),
            window=word_count(neg, "window"),
            reaching=_phrases(neg, "reaching"),
            pseudo=_phrases(neg, "pseudo"),
            termination=_phrases(neg, "termination"),
            deflecting=_phrases(neg, "deflecting"),
            undoing=_phrases(neg, "undoing"),
            copulas=_phrases(neg, "copulas"),
            following=_phrases(neg, "following"),
            dismissals=_phrases(neg, "dismissals"),
            requirement=_phrases(neg, "requirement"),
        ),
        questions=QuestionWords(
            auxiliaries=_phrases(ask, "auxiliaries"),
            openers=Phrases(
                word_list(ask, "auxiliaries") + word_list(ask, "wh") + word_list(ask, "requests")
            ),
            topics=_phrases(ask, "topics"),
            topic_links=_phrases(ask, "topic_links"),
            indirect=_phrases(ask, "indirect"),
            indirect_links=_phrases(ask, "indirect_links"),
            which=_phrases(ask, "which"),
            tags=_phrases(ask, "tags"),
        ),
        people=PeopleWords(
            first_person=_phrases(ppl, "first_person"),
            second_person=_phrases(ppl, "second_person"),
            builders=_phrases(ppl, "builders"),
            anyone=_phrases(ppl, "anyone"),
            organisations=_phrases(ppl, "organisations"),
            others=_phrases(ppl, "others"),
            everyone=_phrases(ppl, "everyone"),
            startup_speed_before=_phrases(ppl, "startup_speed_before"),
            startup_words=_phrases(ppl, "startup_words"),
            startup_speed_after=_phrases(ppl, "startup_speed_after"),
        ),
        numbers=_numbers(root, "numbers"),
        group_numbers=_numbers(root, "group_numbers"),
        count_openers=_phrases(root, "count_openers"),
        prepositions=frozenset(word_list(fun, "prepositions")),
        determiners=_phrases(fun, "determiners"),
        not_verbs=frozenset(word_list(fun, "not_verbs")),
        joiners=tuple(word_list(fun, "joiners")),
        stem_endings=tuple(word_list(forms, "stem_endings")),
        speller_endings=tuple(word_list(forms, "speller_endings")),
        past=PastWords(
            before=_phrases(past, "before"),
            near=_phrases(past, "near"),
            near_window=word_count(past, "near_window"),
            present=_phrases(past, "present"),
            after=_phrases(past, "after"),
            durations=_phrases(past, "durations"),
            perfect_auxiliaries=tuple(word_list(past, "perfect_auxiliaries")),
            perfect_participles=_phrases(past, "perfect_participles"),
        ),
        skills=_phrases(root, "skills"),
        skill_window=word_count(root, "skill_window"),
        article=_phrases(root, "article"),
        change_verbs=_phrases(change, "verbs"),
        change_determiners=_phrases(change, "determiners"),
        change_anything=frozenset(word_list(change, "anything")),
        comparison_markers=_phrases(comp, "markers"),
        alternatives=_phrases(comp, "alternatives"),
        comparatives=_phrases(comp, "comparatives"),
        plain_comparison=frozenset(word_list(comp, "plain")),
        context_before=_phrases(ctx, "before"),
        context_determiners=_phrases(ctx, "before_determiners"),
        context_suffixes=_phrases(ctx, "suffixes"),
        no_need=frozenset(word_list(root, "no_need")),
        go_after=tuple(word_list(root.require("go_language"), "after")),
        go_before=_phrases(root.require("go_language"), "before"),
    )


@functools.cache
def grammar() -> Grammar:
    """The packaged intents/text.yaml, read and validated once."""
    return load_grammar(packaged("intents"))
