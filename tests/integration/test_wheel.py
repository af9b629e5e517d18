"""The wheel: it carries knowledge/ and intents/, no test double, and runs outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Not part of a source tree: virtualenvs, caches, build output, the bot's data.
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "data", "*.egg-info", "__pycache__", ".*_cache"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the checkout (the checkout gets no build/ folder)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=_IGNORE)
    # Offline and without build isolation: setuptools comes from the dev lock.
    command = ["pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    command += ["--wheel-dir", str(work / "dist"), str(source)]
    subprocess.run(
        [sys.executable, "-m", *command],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    (built,) = (work / "dist").glob("backend_advisor-*.whl")
    return built


def test_the_wheel_holds_the_code_and_data_and_no_test_double(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tops = {name.split("/")[0] for name in names}
    assert tops == {"bot", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    assert not [n for n in names if "devkit" in n or "benchmarks" in n or "/testing/" in n]
    code = {str(p.relative_to(REPO)) for p in (REPO / "bot").rglob("*.py")}
    assert code <= names, code - names
    for folder, patterns in (("knowledge", ("*.yaml", "*.md")), ("intents", ("*.yaml",))):
        data = {p for pattern in patterns for p in (REPO / folder).glob(pattern)}
        assert data, folder
        for path in data:
            packed = zipfile.ZipFile(wheel).read(f"bot/resources/{folder}/{path.name}")
            assert packed == path.read_bytes(), path


def test_the_unpacked_wheel_runs_kb_check_from_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    unset = {"KNOWLEDGE_DIR", "INTENTS_DIR", "PYTHONPATH"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["PYTHONPATH"] = str(unpacked)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    where = run(
        "-c",
        "import bot.config as c; print(c.__file__); "
        "print(c.packaged('knowledge')); print(c.packaged('intents'))",
    )
    assert where.returncode == 0, where.stderr
    module, knowledge, intents = where.stdout.split()
    assert Path(module) == unpacked / "bot" / "config.py"
    assert Path(knowledge) == unpacked / "bot" / "resources" / "knowledge"
    assert Path(intents) == unpacked / "bot" / "resources" / "intents"
    checked = run("-m", "bot", "kb", "check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip().endswith("ok")
    assert "article.yaml" in checked.stdout
