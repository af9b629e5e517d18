"""The wheel's package list, the lock files and the Dockerfile, checked by reading them."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
LOCKS = ("requirements.lock", "requirements-dev.lock")


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _pins(name: str) -> dict[str, str]:
    """{normalised name: version} of a pip-compile output."""
    pins = {}
    for line in (REPO / name).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)$", line)
        if match:
            pins[_norm(match[1])] = match[2]
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_under_bot_is_in_the_wheel_list():
    # The list is explicit (it maps knowledge/ and intents/ into bot/resources): a new
    # subpackage left out of it would be missing from the wheel and the image.
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(REPO).parts) for path in (REPO / "bot").rglob("*.py")
    }
    assert on_disk - listed == set()
    assert {"bot.resources.knowledge", "bot.resources.intents"} <= listed
    assert not any(name.split(".")[0] in {"devkit", "benchmarks", "tests"} for name in listed)


def test_the_resources_map_to_the_data_folders():
    setuptools = _pyproject()["tool"]["setuptools"]
    assert setuptools["package-dir"] == {
        "bot.resources.knowledge": "knowledge",
        "bot.resources.intents": "intents",
    }
    assert "*.yaml" in setuptools["package-data"]["bot.resources.intents"]


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_has_the_cpu_torch_and_no_cuda(lock):
    text = (REPO / lock).read_text()
    assert re.search(r"^torch==2\.13\.0$", text, re.MULTILINE), "run `make lock`"
    assert "nvidia" not in text.lower(), "the lock pulled the CUDA build of torch"


@pytest.mark.parametrize(("lock", "extra"), [("requirements.lock", None), (LOCKS[1], "dev")])
def test_the_lock_satisfies_pyproject(lock, extra):
    project = _pyproject()["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    if extra:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pins = _pins(lock)
    for requirement in wanted:
        name = _norm(requirement.name)
        assert name in pins, f"{name} is not in {lock}: run `make lock`"
        version = Version(pins[name])
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {requirement}: run `make lock`"
        )


def test_aiogram_and_pydantic_are_pinned_to_a_minor():
    for dependency in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(dependency)
        if requirement.name in {"aiogram", "pydantic"}:
            upper = [s for s in requirement.specifier if s.operator == "<"]
            assert upper and len(Version(upper[0].version).release) == 2, requirement


def test_the_dev_lock_agrees_with_the_runtime_lock():
    runtime, dev = _pins(LOCKS[0]), _pins(LOCKS[1])
    assert {name: dev.get(name) for name in runtime} == runtime


def test_this_environment_has_the_locked_versions():
    # The tests ran against the lock's versions, or this fails: an upgrade goes through
    # pyproject.toml and `make lock`, never in the venv alone.
    drift = {}
    for name, version in _pins(LOCKS[1]).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            drift[name] = (version, None)
            continue
        if Version(installed).public != Version(version).public:
            drift[name] = (version, installed)
    assert not drift, f"installed versions differ from requirements-dev.lock: {drift}"


def test_the_dockerfile_installs_the_lock_before_copying_code():
    lines = [
        line.strip() for line in (REPO / "Dockerfile").read_text().splitlines() if line.strip()
    ]

    def first(pattern: str) -> int:
        return next(n for n, line in enumerate(lines) if re.search(pattern, line))

    torch = first(r"^RUN pip install torch==2\.13\.0 ")
    lock = first(r"^RUN pip install -r requirements\.lock$")
    code = first(r"^COPY bot ")
    app = first(r"^RUN pip install --no-deps \.$")
    assert torch < first(r"^COPY requirements\.lock ") < lock < code < app
    assert first(r"^COPY knowledge ") < app and first(r"^COPY intents ") < app
    assert first(r"^COPY datasets ") > 0  # `python -m bot eval` reads datasets/
