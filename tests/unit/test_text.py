"""The text layer (bot.text): its mechanisms on synthetic sentences, and its words' loading.

What a real user's phrasing is read as belongs in datasets/*.dev.yaml, where eval counts it;
these tests pin how the mechanisms behave (scope, windows, splitting, word forms).
"""

from __future__ import annotations

import shutil

import pytest

from bot.datafile import DataError
from bot.nlu.forms import load_forms, read_form
from bot.text import (
    EITHER,
    NEGATIVE,
    POSITIVE,
    Phrases,
    asking_sentences,
    clause_spans,
    clause_units,
    clauses,
    dismisses,
    inflects,
    is_question,
    leading_statement,
    load_grammar,
    negates,
    negation,
    polarity,
    prose_sentences,
    sentence_spans,
    stem,
    straight,
    verb_forms,
)


def _negation(text: str, target: str) -> bool | None:
    start = text.index(target)
    return negation(text, start, start + len(target))


# Negation: NegEx's termsets and one scope.


@pytest.mark.parametrize(
    ("text", "target", "negated"),
    [
        ("we use not X", "X", True),
        ("no a b c X", "X", True),  # three words between: inside the window
        ("no a b c d X", "X", False),  # four: outside it
        ("we don't a X", "X", True),  # any word ending "n't" is a trigger
        ("we don\u2019t a X", "X", True),  # curly apostrophes read as straight ones
        ("not A but X", "X", False),  # a termination word ends the scope
        ("not A and X", "X", False),
        ("not A, X", "X", False),  # so does the end of the clause
        ("anything but X", "X", True),  # a trigger's own "but" ends nothing
        ("we dropped X", "X", True),  # a past tense that gives a thing up
        ("nothing but X", "X", False),  # pseudo: looks like a negation, is none
        ("nobody a b c d e f X", "X", True),  # a reaching trigger: the whole clause
        ("nobody a b, X", "X", False),
        ("X is out", "X", True),  # following, behind a copula
        ("X's a b is off the table", "X", True),  # across its noun phrase
        ("X is irrelevant", "X", True),  # a dismissal follows like one
        ("X got cancelled", "X", True),  # a past copula, a word for giving it up
        ("X is fine", "X", False),
    ],
)
def test_the_negation_scope(text: str, target: str, negated: bool) -> None:
    assert _negation(text, target) is negated


def test_a_deflecting_verb_takes_the_negation_and_undoing_words_turn_it() -> None:
    assert _negation("we can't hire X people", "X") is None  # about the hiring: neither
    assert _negation("we can't hire fast", "hire fast") is False  # the verb is the phrase
    assert _negation("nobody can find X here", "X") is None
    assert _negation("we don't want to write X by hand", "X") is False  # the doing refused


def test_polarity_and_dismissal_of_a_clause() -> None:
    assert polarity("fast startup") == POSITIVE
    assert polarity("we don't need an admin") == NEGATIVE
    assert polarity("with no visible delay") == EITHER  # a requirement, either way round
    assert polarity("must not wait for a warm-up") == EITHER
    assert polarity("nothing but python") == POSITIVE
    assert dismisses("startup speed is irrelevant") and not dismisses("startup speed matters")
    assert negates("isn\u2019t it") and not negates("none other than X")


# Sentences and clauses.


def test_sentences_end_before_a_space_and_at_line_breaks_and_spaced_dashes() -> None:
    text = "node.js is fine. we use 3.5 today: ok\nnext - last"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "node.js is fine",
        "we use 3.5 today",
        "ok",
        "next",
        "last",
    ]


def test_clauses_also_end_at_commas_and_brackets() -> None:
    assert [c.strip() for _, c in clause_units("a, b (c) d; e")] == ["a", "b", "c", "d", "e"]


def test_statements_are_cut_at_connectives_without_the_joining_word() -> None:
    text = "functions triggered by queues that must start fast, and we deploy on lambda"
    assert [text[a:b] for a, b in clause_spans(text)] == [
        "functions triggered by queues",
        "must start fast",
        "we deploy on lambda",
    ]
    assert leading_statement("is there a lib for it so i don't write one") == (
        "is there a lib for it"
    )


def test_prose_sentences_need_a_capital_after_the_stop() -> None:
    assert prose_sentences("Fast. e.g. the JVM is slow. Done!") == [
        "Fast. e.g. the JVM is slow.",
        "Done!",
    ]


@pytest.mark.parametrize(
    ("text", "asks", "states"),
    [
        ("a b c, what should we use?", ["what should we use"], ["a b c"]),
        ("x: is the y a bad idea", ["is the y a bad idea"], ["x"]),
        ("risks of z", ["risks of z"], []),  # a topic headed by an evaluation
        ("my boss asks if z is mature", ["my boss asks if z is mature"], []),  # indirect
        ("a team - b board", [], ["a team", "b board"]),
        ("good fit for I/O bound work?", ["good fit for ixo bound work"], []),
        ("x is typed, right", ["x is typed", "right"], []),  # a tag asks the clause before it
        ("roughly x? fine", ["roughly x"], ["fine"]),  # a "?" mid-message ends a question
        ("she wants to know why not x", ["she wants to know why not x"], []),  # indirect
        ("wen is x worth it", ["wen is x worth it"], []),  # a question word as typed on a phone
        ("we use x, right now", [], ["we use x", "right now"]),
    ],
)
def test_clauses_split_questions_from_statements(text: str, asks: list, states: list) -> None:
    questions, statements = clauses(text)  # the separators ("?", ",") are left out
    assert [c.strip() for _, c in questions] == asks
    assert [c.strip() for c in statements] == states
    assert is_question(text) is bool(asks)


def test_asking_sentences_see_a_question_mark_their_spans_leave_out() -> None:
    text = "we use x. roughly how much would y cost? ballpark is fine. is z mature"
    assert [text[a:b] for a, b in asking_sentences(text)] == [
        "roughly how much would y cost",
        "is z mature",
    ]


def test_straight_keeps_the_length() -> None:
    text = "don\u2019t \u201cit\u201d"
    assert straight(text) == 'don\'t "it"' and len(straight(text)) == len(text)


# Word forms.


def test_one_stemmer_one_set_of_verb_forms() -> None:
    assert [stem(w) for w in ("apis", "deploying", "hiring", "hire", "spring", "class")] == [
        "api",
        "deploy",
        "hir",
        "hir",
        "spring",
        "class",
    ]
    assert verb_forms("crunch") == ("crunch", "crunchs", "crunches", "crunched", "crunching")
    assert "shipped" in verb_forms("ship") and "validated" in verb_forms("validate")
    assert verb_forms("apply") == ("apply", "applies", "applied", "applying")
    assert inflects("resizes", {"resize"}) and not inflects("resize", {"size"})


def test_a_phrase_reads_spaces_hyphens_and_any_word() -> None:
    phrases = Phrases(["write-up", "no one", "none of our *"])
    assert [m.group() for m in phrases.finditer("a writeup, a write up, no-one")] == [
        "writeup",
        "write up",
        "no-one",
    ]
    assert phrases.search("none of our devs") and not phrases.search("nodes")


def test_question_forms_read_their_words_from_intents() -> None:
    assert read_form("how do I configure CORS").how_to
    assert not read_form("how do I know if it fits").how_to  # a choice follows
    assert read_form("it returns a 404").fault and not read_form("500 users at once").fault
    assert read_form("how much will hosting cost us").fact
    assert read_form("is A or B better").which and read_form("is A good").yes_no
    assert read_form("does it not scale").negated
    assert not read_form("is there a lib so i don't write one").negated


# Loading: errors name the file and the line.


def test_a_bare_no_in_text_yaml_is_an_error_at_its_line(tmp_path, repo) -> None:
    shutil.copytree(repo / "intents", tmp_path / "intents")
    path = tmp_path / "intents" / "text.yaml"
    lines = path.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if line.lstrip().startswith("preceding:"))
    lines[at] = lines[at].replace('"no"', "no")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        load_grammar(tmp_path / "intents")
    assert str(err.value).startswith(f"{path}:{at + 1}:")
    assert "quote it" in str(err.value)


def test_a_capitalised_word_or_a_missing_family_is_an_error(tmp_path, repo) -> None:
    shutil.copytree(repo / "intents", tmp_path / "intents")
    path = tmp_path / "intents" / "text.yaml"
    text = path.read_text()
    path.write_text(text.replace("reaching: [nobody,", "reaching: [Nobody,"))
    with pytest.raises(DataError, match="lower case") as err:
        load_grammar(tmp_path / "intents")
    assert str(err.value).startswith(f"{path}:")
    path.write_text(text.replace("  termination: [but, and]\n", ""))
    with pytest.raises(DataError, match="missing required field 'termination'"):
        load_grammar(tmp_path / "intents")


def test_forms_yaml_errors_name_file_and_line(tmp_path, repo) -> None:
    shutil.copytree(repo / "intents", tmp_path / "intents")
    path = tmp_path / "intents" / "forms.yaml"
    lines = path.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("fit_openers:"))
    lines[at] = "fit_openers: [Can]"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as err:
        load_forms(tmp_path / "intents")
    assert str(err.value).startswith(f"{path}:{at + 1}:")
