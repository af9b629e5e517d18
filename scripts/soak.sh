#!/usr/bin/env bash
# The long kill -9 run: SOAK_TRIALS (default 50) (chat, kill) trials on SQLite and on Redis.
# SOAK_SEED=<n> replays a run; each test prints the seed it used and its pass count.
set -euo pipefail
cd "$(dirname "$0")/.."
export SOAK_TRIALS="${SOAK_TRIALS:-50}"
exec .venv/bin/python -m pytest -q -s -p no:cacheprovider -o timeout=1800 \
    tests/integration/reliability/test_crash_restart.py "$@"
