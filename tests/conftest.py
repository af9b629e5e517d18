"""Shared fixtures: the real knowledge base and the real MiniLM encoders, loaded once a session."""

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
    """The encoder the bot serves with: EMBEDDER's (onnx unless set), as build_engine loads it."""
    from bot.config import Settings
    from bot.embedding.loader import load_embedder

    return load_embedder(Settings(_env_file=None).embedder)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def onnx_embedder():
    """The int8 ONNX encoder on onnxruntime (the default), whatever EMBEDDER says."""
    from bot.embedding.loader import load_embedder

    return load_embedder("onnx")


@pytest.fixture(scope="session")
def torch_embedder():
    """sentence-transformers on torch: the reference the ONNX encoder is compared with."""
    from bot.embedding.loader import load_embedder

    return load_embedder("torch")
