"""What a reader found in a message, as plain records: a leaf the readers share.

`NeedMatch` is written by the need detector (bot.nlu.needs) and carried in the slot
extractor's `Extraction` (bot.nlu.slots); it lives here so neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NeedMatch:
    """A need the user stated: the need's id, their words, its passage, and the similarity."""

    need: str
    text: str
    passage: str
    score: float
