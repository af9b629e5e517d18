"""`python -m bot kb check|build`: validate the data, or build the index cache ahead of time.

`kb check` loads no model: it answers at once.
"""

from __future__ import annotations

import argparse
from collections import Counter

from bot.config import Settings


def cmd_kb(args: argparse.Namespace, settings: Settings) -> int:
    """`kb check` validates and summarises knowledge/; `kb build` also writes the index cache."""
    from bot.form import load_form
    from bot.knowledge import load_knowledge
    from bot.text import load_grammar

    kb = load_knowledge(settings.knowledge_dir)
    if args.kb_command == "check":
        kinds = Counter(p.kind for p in kb.passages)
        breakdown = ", ".join(f"{n} {kind}s" for kind, n in sorted(kinds.items()))
        sources = ", ".join(f"{s.file} ({s.title})" for s in kb.sources)
        print(f"sources: {len(kb.sources)}: {sources}")
        print(f"passages: {len(kb.passages)} ({breakdown})")
        print(f"frameworks: {len(kb.frameworks)}")
        print(f"rules: {len(kb.rules)}")
        spec = load_form(settings.intents_dir)
        print(f"intents: {len(spec.intents)} intents, {len(spec.slots)} slots")
        words = load_grammar(settings.intents_dir)
        print(f"text layer: {len(words.negation.preceding.phrases)} negation triggers")
        print(f"content hash: {kb.content_hash}")
        print("ok")
        return 0
    from bot.embedding.loader import load_embedder
    from bot.retrieval.cache import cache_path, passage_vectors

    embedder = load_embedder(settings.embedder)
    _, cached = passage_vectors(kb, embedder, settings.data_dir / "index")
    path = cache_path(settings.data_dir / "index", embedder.name, kb.content_hash)
    state = "already up to date" if cached else "built"
    print(f"index: {path} ({state}, {len(kb.passages)} passages)")
    return 0
