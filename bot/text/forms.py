"""Word forms, written once: a light stemmer, a verb's tenses, and a known word's endings.

BM25 folds "apis" into "api" and "deploying" into "deploy" (`stem`); the slot extractor reads
"crunch numbers" in any tense (`verb_forms`); the speller leaves "resizes" alone because
"resize" is a word (`inflects`). The endings are intents/text.yaml `word_forms`; the rules for
a silent "e", a "y" after a consonant and a doubled consonant are English's, written here.
"""

from __future__ import annotations

from collections.abc import Container

from bot.text.grammar import grammar

_VOWELS = "aeiou"


def stem(word: str) -> str:
    """A light English stem: one plural or verb ending stripped ("apis" -> "api"), then a
    silent final "e" ("hire" and "hiring" meet); words under four letters are kept."""
    if len(word) < 4 or not word.isalpha():
        return word
    for ending in grammar().stem_endings:
        base = word[: -len(ending)]
        # A stem keeps a vowel: "spring" is not "spr" + "ing".
        if word.endswith(ending) and len(base) >= 3 and any(c in _VOWELS + "y" for c in base):
            if ending == "ies":
                return base + "y"
            if ending == "s" and word.endswith("ss"):
                return word
            word = base
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def verb_forms(verb: str) -> tuple[str, ...]:
    """`verb` in every tense: "crunch" -> crunch, crunches, crunched, crunching; "ship" ->
    ship, ships, shipped, shipping; "validate" -> validates, validated, validating."""
    endings: tuple[str, ...]
    if verb.endswith("e"):
        base, endings = verb[:-1], ("e", "es", "ed", "ing")
    elif verb.endswith("y") and verb[-2] not in _VOWELS:
        base, endings = verb[:-1], ("y", "ies", "ied", "ying")
    elif verb[-1] not in _VOWELS + "wxy" and verb[-2] in _VOWELS and verb[-3] not in _VOWELS:
        base, endings = verb, ("", "s", "ed", "ing", verb[-1] + "ed", verb[-1] + "ing")
    else:
        base, endings = verb, ("", "s", "es", "ed", "ing")
    return tuple(base + ending for ending in endings)


def inflects(word: str, known: Container[str]) -> bool:
    """True when `word` is a `known` word with an ending that makes another real word
    ("crunches": "crunch" + "es"; "curators": "curator" + "s")."""
    return any(
        word.endswith(ending) and word[: -len(ending)] in known
        for ending in grammar().speller_endings
    )
