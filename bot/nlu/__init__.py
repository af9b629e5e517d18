"""Understanding: intents and form slots from intents/, intent detection, slot extraction."""

from bot.nlu.intents import IntentClassifier, IntentResult, normalise
from bot.nlu.slots import Extraction, SlotExtractor, SlotMatch
from bot.nlu.spec import Intent, NluSpec, Slot, SlotOption, load_intents

__all__ = [
    "Extraction",
    "Intent",
    "IntentClassifier",
    "IntentResult",
    "NluSpec",
    "Slot",
    "SlotExtractor",
    "SlotMatch",
    "SlotOption",
    "load_intents",
    "normalise",
]
