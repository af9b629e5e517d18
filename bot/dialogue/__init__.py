"""The pure dialogue engine: state in, user turn in -> new state + replies out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dialogue.engine import Engine, Retriever
from bot.dialogue.types import (
    Action,
    Citation,
    DialogueState,
    Option,
    Part,
    Reply,
    ReplyKind,
    Turn,
)

if TYPE_CHECKING:
    from bot.config import Settings


def build_engine(settings: Settings) -> Engine:
    """Load knowledge/, intents/, the model and the retriever; validate rules against slots."""
    from bot.advisor import validate_rules
    from bot.knowledge import load_knowledge
    from bot.nlu import IntentClassifier, load_intents
    from bot.retrieval import build_retriever, load_embedder
    from bot.retrieval.batching import BatchingEmbedder

    kb = load_knowledge(settings.knowledge_dir)
    spec = load_intents(settings.intents_dir)
    validate_rules(kb, spec, settings.knowledge_dir / "rules.yaml")
    # Chats encode from worker threads; the batcher lets them share forward passes.
    embedder = BatchingEmbedder(load_embedder())
    cache_dir = settings.data_dir / "index"
    retriever = build_retriever(kb, embedder, cache_dir)
    classifier = IntentClassifier(spec, embedder, cache_dir)
    return Engine(kb, spec, embedder, retriever, classifier)


__all__ = [
    "Action",
    "Citation",
    "DialogueState",
    "Engine",
    "Option",
    "Part",
    "Reply",
    "ReplyKind",
    "Retriever",
    "Turn",
    "build_engine",
]
