"""The knowledge base: load and validate knowledge/ into typed, citable passages."""

from bot.datafile import DataError
from bot.knowledge.loader import load_knowledge
from bot.knowledge.markdown import detect_frameworks
from bot.knowledge.models import (
    Framework,
    KnowledgeBase,
    Need,
    Passage,
    Rule,
    Source,
    Table,
    TableRow,
    Technology,
)

__all__ = [
    "DataError",
    "Framework",
    "KnowledgeBase",
    "Need",
    "Passage",
    "Rule",
    "Source",
    "Table",
    "TableRow",
    "Technology",
    "detect_frameworks",
    "load_knowledge",
]
