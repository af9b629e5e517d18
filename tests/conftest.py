"""Shared fixtures: the real knowledge base and the real MiniLM model, loaded once a session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def kb():
    from bot.knowledge import load_knowledge

    return load_knowledge(REPO / "knowledge")


@pytest.fixture(scope="session")
def embedder():
    from bot.embedding.minilm import load_embedder

    return load_embedder()
