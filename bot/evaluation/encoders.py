"""The int8 ONNX encoder against its reference, sentence-transformers on torch, on every dev text.

Two figures per text: the cosine between the two encoders' vectors, and whether both pick the
same nearest index row (a passage or a gloss, each encoder against its own index vectors),
which is what dense retrieval ranks by.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.datafile import load_yaml
from bot.embedding import Embedder
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.retrieval.cache import index_rows

# Every labelled dev file and the field holding its texts.
DEV_TEXTS = (
    ("questions.dev.yaml", "questions", "question"),
    ("personas.dev.yaml", "personas", "text"),
    ("slot_utterances.dev.yaml", "utterances", "text"),
    ("needs.dev.yaml", "statements", "text"),
)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How closely one encoder follows another on `texts` texts."""

    texts: int
    cosine_min: float
    cosine_mean: float
    # Share of texts whose nearest index row is the same under both encoders.
    neighbours: float
    rows: int
    worst: str


def dev_texts(datasets_dir: Path) -> list[str]:
    """Every distinct text of the dev split: questions, personas, slot utterances, needs."""
    texts: list[str] = []
    for name, key, field in DEV_TEXTS:
        path = datasets_dir / name
        if path.is_file():
            texts += [node.require(field).text() for node in load_yaml(path).require(key).items()]
    return list(dict.fromkeys(texts))


def compare(
    encoder: Embedder, reference: Embedder, texts: list[str], kb: KnowledgeBase
) -> Agreement:
    """How `encoder` agrees with `reference` on `texts` (vectors, and nearest index rows)."""
    got, want = encoder.encode(texts), reference.encode(texts)
    cosines = np.sum(got * want, axis=1)
    rows, _ = index_rows(kb)
    nearest = np.argmax(got @ encoder.encode(rows).T, axis=1)
    nearest_reference = np.argmax(want @ reference.encode(rows).T, axis=1)
    return Agreement(
        texts=len(texts),
        cosine_min=float(cosines.min()),
        cosine_mean=float(cosines.mean()),
        neighbours=float(np.mean(nearest == nearest_reference)),
        rows=len(rows),
        worst=texts[int(np.argmin(cosines))],
    )


def report(settings: Settings) -> str:
    """The encoders section of `python -m bot eval`, as printable text."""
    head = "Encoders: int8 ONNX (onnxruntime) against sentence-transformers on torch, dev texts"
    if importlib.util.find_spec("torch") is None:
        return f"{head}\n  skipped: torch is not installed (the [torch] extra)"
    from bot.embedding.loader import load_embedder

    texts = dev_texts(settings.datasets_dir)
    kb = load_knowledge(settings.knowledge_dir)
    found = compare(load_embedder("onnx"), load_embedder("torch"), texts, kb)
    return "\n".join(
        [
            head,
            f"  cosine min {found.cosine_min:.4f}, mean {found.cosine_mean:.4f} "
            f"({found.texts} texts); same nearest index row {found.neighbours:.1%} "
            f"(of {found.rows} rows)",
            f"  lowest cosine: {found.worst}",
        ]
    )
