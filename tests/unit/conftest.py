"""tests/unit is the fast inner loop (`make test-fast`): a test that loads the model, starts a
process or listens on a port says so with a marker, and `make test-fast` leaves it out.

The guard below keeps that honest: an unmarked unit test that does one of these fails.
"""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest

# The session fixtures of tests/conftest.py that load a real encoder.
MODELS = {"embedder", "onnx_embedder", "torch_embedder"}


@pytest.fixture(autouse=True)
def _pure_unless_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    marks = {mark.name for mark in request.node.iter_markers()}
    name = request.node.name
    if "model" not in marks and MODELS & set(request.fixturenames):
        pytest.fail(f"{name} uses the real model: mark it @pytest.mark.model")
    # Loading the ONNX encoder starts a process: it derives its int8 graph in a child
    # (bot/embedding/int8_graph.py), so a model test may.
    if "subprocess" not in marks and "model" not in marks:

        def no_process(*args: Any, **kwargs: Any) -> Any:
            pytest.fail(f"{name} starts a process: mark it @pytest.mark.subprocess")

        monkeypatch.setattr(subprocess, "Popen", no_process)
    if "server" not in marks:

        async def no_server(*args: Any, **kwargs: Any) -> Any:
            pytest.fail(f"{name} listens on a port: mark it @pytest.mark.server")

        monkeypatch.setattr(asyncio.BaseEventLoop, "create_server", no_server)
