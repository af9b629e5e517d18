"""The text layer: how a message is read before anything looks for meaning in it.

Apostrophes, sentences and clauses, negation scope, question form and word forms are written
here once; every reader (slots, needs, routing, answers, mentions, BM25) calls them. The words
are intents/text.yaml (`grammar()`); the mechanisms are the modules here. It sits below
knowledge/ and retrieval/, which read text too, and imports only bot's leaves.
"""

from bot.text.forms import inflects, stem, verb_forms
from bot.text.grammar import Grammar, grammar, load_grammar
from bot.text.negation import (
    EITHER,
    NEGATIVE,
    POSITIVE,
    dismisses,
    negates,
    negation,
    polarity,
    scope_end,
    scope_start,
)
from bot.text.phrases import Phrases
from bot.text.question import asking_sentences, clauses, is_question
from bot.text.split import (
    asks_at,
    clause_end,
    clause_spans,
    clause_start,
    clause_units,
    has_list,
    leading_statement,
    list_items,
    prose_sentences,
    sentence_spans,
    sentence_start,
    straight,
    words,
)

__all__ = [
    "EITHER",
    "NEGATIVE",
    "POSITIVE",
    "Grammar",
    "Phrases",
    "asking_sentences",
    "asks_at",
    "clause_end",
    "clause_spans",
    "clause_start",
    "clause_units",
    "clauses",
    "dismisses",
    "grammar",
    "has_list",
    "inflects",
    "is_question",
    "leading_statement",
    "list_items",
    "load_grammar",
    "negates",
    "negation",
    "polarity",
    "prose_sentences",
    "scope_end",
    "scope_start",
    "sentence_spans",
    "sentence_start",
    "stem",
    "straight",
    "verb_forms",
    "words",
]
