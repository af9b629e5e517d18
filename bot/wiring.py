"""The composition root: builds the engine from settings (data, model, retriever, classifier)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogue import Engine


def build_engine(settings: Settings) -> Engine:
    """Load knowledge/, intents/, the model and the retriever; validate rules against slots."""
    from bot.advisor import validate_rules
    from bot.dialogue import Engine
    from bot.embedding.batching import BatchingEmbedder
    from bot.embedding.files import common_words, vocabulary
    from bot.embedding.loader import load_embedder
    from bot.form import load_form
    from bot.knowledge import load_knowledge
    from bot.nlu import DescriptionReader, IntentClassifier
    from bot.nlu.forms import form_words
    from bot.nlu.spelling import Speller
    from bot.retrieval import build_retriever
    from bot.text import grammar

    kb = load_knowledge(settings.knowledge_dir)
    spec = load_form(settings.intents_dir)
    # The text layer's words and the question forms' (intents/text.yaml, forms.yaml), read
    # and validated now: a broken file stops the start, not the first message that needs it.
    grammar()
    form_words()
    validate_rules(kb, spec, settings.knowledge_dir / "rules.yaml")
    # Chats encode from worker threads; the batcher lets them share forward passes. Not
    # waited for here: encode() waits for the model, and `run` answers /start before it has
    # loaded (waiting here made the first reply 7.4 s instead of about 2 s).
    embedder = BatchingEmbedder(load_embedder(settings.embedder, background=True))
    cache_dir = settings.data_dir / "index"
    retriever = build_retriever(kb, embedder, cache_dir)
    classifier = IntentClassifier(spec, embedder, cache_dir)
    words = vocabulary()
    speller = Speller(kb, words, common=common_words())
    # Descriptions are mended towards the form's words too ("kotiln, serverles").
    mender = Speller.for_descriptions(kb, spec, words)
    reader = DescriptionReader(spec, kb, embedder, cache_dir, mender)
    return Engine(kb, spec, embedder, retriever, classifier, speller=speller, reader=reader)
