#!/usr/bin/env bash
# The long kill -9 run: SOAK_TRIALS (default 200) trials on SQLite and on Redis, each one chat
# with an update in flight when the bot is killed (at its confirmation, just after its fetch,
# or in its handling). SOAK_SEED=<n> replays a run; each test prints its seed and its tally:
# trials by moment and kind, lost, double-applied, duplicate replies.
set -euo pipefail
cd "$(dirname "$0")/.."
export SOAK_TRIALS="${SOAK_TRIALS:-200}"
exec .venv/bin/python -m pytest -q -s -p no:cacheprovider -o timeout=7200 \
    tests/integration/reliability/test_crash_restart.py "$@"
