"""Question forms: what kind of answer a question asks for (`read_form`).

A request for steps (how-to), a fault report, a request for a fact the article never states
(a date, price, version or setting), a yes/no or a which-one question, and whether it asks
about fitness or a weakness. The answerer declines what the article never gives and the
answer line says yes, no or which from them; neither reads the question's words itself. The
words are intents/forms.yaml; the structures (an HTTP status, "how much ... cost") are here.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from bot.config import packaged
from bot.datafile import Node, load_yaml
from bot.text import Phrases, grammar, leading_statement, negates, stem, straight

FILE = "forms.yaml"


@dataclass(frozen=True, slots=True)
class FormWords:
    """intents/forms.yaml, compiled."""

    how_to: re.Pattern[str]
    fault: re.Pattern[str]
    fact: re.Pattern[str]
    yes_no: re.Pattern[str]
    choice: Phrases
    which: re.Pattern[str]
    fit: re.Pattern[str]
    weakness: Phrases
    unsaid: frozenset[str]


@dataclass(frozen=True, slots=True)
class QuestionForm:
    """The form of one question (see the module docstring)."""

    how_to: bool = False
    fault: bool = False
    fact: bool = False
    yes_no: bool = False
    which: bool = False
    fit: bool = False
    weakness: bool = False
    negated: bool = False

    @property
    def asks_how(self) -> bool:
        """Whether it asks for steps or a fix."""
        return self.how_to or self.fault

    @property
    def asks_beyond(self) -> bool:
        """Whether it asks for steps, a fix or a fact: what the article never gives."""
        return self.asks_how or self.fact


def _entry(node: Node, key: str) -> list[str]:
    """The phrases one entry reads: a phrase, or a sequence of steps to choose from."""
    if not isinstance(node.value, list):
        return [_word(node, key)]
    steps: list[list[str]] = []
    for step in node.items():
        choices = step.items() if isinstance(step.value, list) else [step]
        steps.append([_word(choice, key, empty=True) for choice in choices])
    return [" ".join(w for w in words if w) for words in itertools.product(*steps)]


def _word(node: Node, key: str, empty: bool = False) -> str:
    if not isinstance(node.value, str):
        raise node.error(f"{key}: '{node.value}' is no word: quote it")
    if empty and node.value == "":
        return ""
    text = node.text()
    if text != text.lower():
        raise node.error(f"{key}: '{text}': write the forms' words in lower case")
    return text


def _phrases(root: Node, key: str) -> Phrases:
    field = root.require(key)
    phrases = [p for item in field.items() for p in _entry(item, key)]
    if not phrases:
        raise field.error(f"{key}: the list is empty")
    return Phrases(phrases)


def load_forms(directory: Path) -> FormWords:
    """Read intents/forms.yaml from `directory`; a DataError (file:line) on a fault."""
    root = load_yaml(directory / FILE)
    flags = re.IGNORECASE
    status = r"[45]\d\d"  # an HTTP error status
    before = _phrases(root, "fault_status_before").group()
    after = _phrases(root, "fault_status_after").group()
    amount, money = _phrases(root, "fact_amount").group(), _phrases(root, "fact_money").group()
    return FormWords(
        how_to=re.compile(
            rf"{_phrases(root, 'how_to').group()}"
            rf"(?!\s+{_phrases(root, 'how_to_choosing').group()})",
            flags,
        ),
        fault=re.compile(
            rf"{_phrases(root, 'fault').group()}"
            rf"|{before}\s+{status}(?![\w])|(?<![\w]){status}\s+{after}",
            flags,
        ),
        fact=re.compile(rf"{_phrases(root, 'fact').group()}|{amount}[^?]*{money}", flags),
        yes_no=re.compile(rf"^\s*{grammar().questions.auxiliaries.group()}", flags),
        choice=_phrases(root, "choice"),
        which=re.compile(
            rf"{_phrases(root, 'which').group()}|^\s*{_phrases(root, 'which_openers').group()}",
            flags,
        ),
        fit=re.compile(
            rf"{_phrases(root, 'fit').group()}|^\s*{_phrases(root, 'fit_openers').group()}",
            flags,
        ),
        weakness=_phrases(root, "weakness"),
        unsaid=frozenset(_phrases(root, "unsaid").phrases),
    )


@functools.cache
def form_words() -> FormWords:
    """The packaged intents/forms.yaml, read and validated once."""
    return load_forms(packaged("intents"))


@functools.lru_cache(maxsize=256)
def read_form(question: str) -> QuestionForm:
    """The form of `question` (see QuestionForm)."""
    words = form_words()
    text = straight(question)
    yes_no = bool(words.yes_no.search(text))
    which = bool(words.which.search(text)) or (yes_no and bool(words.choice.search(text)))
    return QuestionForm(
        how_to=bool(words.how_to.search(text)),
        fault=bool(words.fault.search(text)),
        fact=bool(words.fact.search(text)),
        yes_no=yes_no and not which,
        which=which,
        fit=bool(words.fit.search(text)),
        weakness=bool(words.weakness.search(text)),
        # What the question asks is in its first statement: "is there a library for that so
        # i don't reinvent it" asks nothing in the negative.
        negated=negates(leading_statement(text)),
    )


_WORD = re.compile(r"[a-z][a-z0-9+#.]*")


def content_words(text: str) -> set[str]:
    """The words of `text` that say what it is about, stemmed ("packages" meets "package")."""
    unsaid = form_words().unsaid
    found = (w for w in _WORD.findall(straight(text).lower()) if w not in unsaid and len(w) > 2)
    return {stem(w) for w in found}


def says_more_than(question: str, names: Collection[str], plain: Collection[str]) -> bool:
    """Whether `question` has a word besides `names` (of frameworks) and `plain` ones."""
    words = set(_WORD.findall(straight(question).lower()))
    return bool(words - set(names) - set(plain))
