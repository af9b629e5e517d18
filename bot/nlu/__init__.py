"""Understanding: intent detection and slot extraction from free text."""

from bot.nlu.intents import IntentClassifier, IntentResult, normalise
from bot.nlu.matches import NeedMatch
from bot.nlu.needs import DescriptionReader, NeedDetector
from bot.nlu.slots import Extraction, SlotExtractor, SlotMatch

__all__ = [
    "DescriptionReader",
    "Extraction",
    "IntentClassifier",
    "IntentResult",
    "NeedDetector",
    "NeedMatch",
    "SlotExtractor",
    "SlotMatch",
    "normalise",
]
