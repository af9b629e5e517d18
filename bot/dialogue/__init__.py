"""The pure dialogue engine: state in, user turn in -> new state + replies out."""

from bot.dialogue.engine import Engine
from bot.retrieval.port import Retriever

__all__ = ["Engine", "Retriever"]
