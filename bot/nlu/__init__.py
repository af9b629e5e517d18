"""Understanding: intent detection and slot extraction from free text."""

from bot.nlu.intents import IntentClassifier, IntentResult, normalise
from bot.nlu.slots import Extraction, SlotExtractor, SlotMatch

__all__ = [
    "Extraction",
    "IntentClassifier",
    "IntentResult",
    "SlotExtractor",
    "SlotMatch",
    "normalise",
]
