"""The pure dialogue engine: state in, user turn in -> new state + replies out."""

from bot.dialogue.engine import Engine, Retriever

__all__ = ["Engine", "Retriever"]
