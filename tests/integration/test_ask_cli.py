"""`python -m bot ask` and `kb` as other programs use them: subprocesses, JSON lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

# Subprocesses run from other directories: make them import this checkout's code, not
# whatever checkout the venv's editable install points at.
CHECKOUT = str(Path(__file__).resolve().parents[2])

pytestmark = pytest.mark.model


def run(
    args: list[str], data_dir: Path, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": CHECKOUT,
        "DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=data_dir,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


def check_contract(line: str) -> dict:
    answer = json.loads(line)
    assert set(answer) == {"question", "in_scope", "answer_line", "answer", "passages"}
    assert isinstance(answer["question"], str) and isinstance(answer["in_scope"], bool)
    assert isinstance(answer["answer"], str) and answer["answer"]
    for passage in answer["passages"]:
        assert set(passage) == {"id", "section", "text", "score"}
        assert all(isinstance(passage[key], str) for key in ("id", "section", "text"))
        assert isinstance(passage["score"], float)
    scores = [p["score"] for p in answer["passages"]]
    assert scores == sorted(scores, reverse=True)
    return answer


def test_ask_json_from_stdin_answers_each_line(data_dir):
    questions = ["is node bad for cpu heavy work", "", "what's the weather?", "is fastapi async"]
    result = run(["ask", "--json", "-k", "2", "-"], data_dir, "\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3  # the blank line is skipped
    cpu, weather, fastapi = (check_contract(line) for line in lines)
    assert cpu["question"] == "is node bad for cpu heavy work" and cpu["in_scope"]
    assert len(cpu["passages"]) == 2
    assert cpu["passages"][0]["id"] == "wins.node.watch.cpu"
    assert cpu["passages"][0]["section"] == (
        "Where Each Wins > Node.js (Express, NestJS, Hono, Fastify) > Watch out for"
    )
    assert "[wins.node.watch.cpu]" in cpu["answer"]
    assert not weather["in_scope"] and weather["passages"] == []
    assert "recommend" in weather["answer"].lower()
    assert fastapi["in_scope"] and fastapi["passages"][0]["id"].startswith("underrated.fastapi")
    # The index was cached under DATA_DIR/index for the next start.
    assert list((data_dir / "index").glob("passages-all-MiniLM-L6-v2-*.npy"))


def test_ask_plain_text_quotes_and_cites(data_dir):
    result = run(["ask", "does", "django", "have", "an", "admin", "panel?"], data_dir)
    assert result.returncode == 0, result.stderr
    assert "Built-in admin, ORM, auth, forms" in result.stdout
    # The quote sits under its section's heading, so its citation needs only the passage id.
    assert "Where Each Wins > Django\n  > Built-in admin" in result.stdout
    assert "— [wins.django.batteries]" in result.stdout
    assert "{" not in result.stdout  # not JSON, not scores
    assert len(result.stdout) <= 1300


def test_embedder_torch_answers_alike_from_an_index_cache_of_its_own(data_dir, kb):
    from bot.embedding.minilm import MiniLMEmbedder
    from bot.embedding.onnx_minilm import OnnxMiniLMEmbedder

    question = ["ask", "--json", "-k", "2", "is node bad for cpu heavy work"]
    switch = data_dir / "switch"
    switch.mkdir()
    onnx = run(question, switch)
    torch = run(question, switch, EMBEDDER="torch")
    assert onnx.returncode == 0 and torch.returncode == 0, onnx.stderr + torch.stderr
    onnx_ids = [p["id"] for p in check_contract(onnx.stdout)["passages"]]
    assert onnx_ids == [p["id"] for p in check_contract(torch.stdout)["passages"]]
    # Each encoder built its own index cache beside the other's, never reading it.
    cached = {p.name for p in (switch / "index").glob(f"passages-*-{kb.content_hash}.npy")}
    assert cached == {
        f"passages-{name}-{kb.content_hash}.npy"
        for name in (OnnxMiniLMEmbedder.name, MiniLMEmbedder.name)
    }


def test_kb_build_writes_the_index_cache(data_dir, monkeypatch, capsys, embedder):
    # In-process: the session's model is already loaded, and `kb build` is not a contract
    # other programs parse.
    monkeypatch.setenv("DATA_DIR", str(data_dir / "build"))
    assert main(["kb", "build"]) == 0
    first = capsys.readouterr().out
    assert "passages-all-MiniLM-L6-v2-" in first and "(built," in first
    assert main(["kb", "build"]) == 0
    assert "(already up to date," in capsys.readouterr().out


def test_kb_check_summarises_without_importing_torch(data_dir):
    code = (
        "import sys\nfrom bot.cli import main\nstatus = main(['kb', 'check'])\n"
        "assert 'torch' not in sys.modules, 'kb check imported torch'\nsys.exit(status)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": CHECKOUT,
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    check = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=data_dir
    )
    assert check.returncode == 0, check.stderr
    for label in ("sources: 1", "passages: ", "frameworks: 13", "rules: "):
        assert label in check.stdout


def test_ask_rejects_a_bad_k(data_dir):
    result = run(["ask", "-k", "0", "anything"], data_dir)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: ask: -k must be at least 1, got 0"
