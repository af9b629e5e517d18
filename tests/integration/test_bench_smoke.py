"""`python -m benchmarks --json --chats 10`: every figure the issue names, as numbers."""

import json
import subprocess
import sys

import pytest

FIELDS = {
    "encode_ms_p50", "torch_encode_ms_p50", "ask_ms_p50", "ask_ms_p99", "button_ms_p50",
    "e2e_updates_per_s", "e2e_ms_p50", "e2e_ms_p99", "echo_updates_per_s", "engine_updates_per_s",
    "cold_start_s",
    "floor_start_s", "rss_mb", "floor_rss_mb", "model_ceiling_updates_per_s",
}  # fmt: skip


@pytest.mark.model
def test_bench_json_has_every_figure_and_ratio():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--json", "--chats", "10"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout)
    assert set(report) >= FIELDS
    assert all(isinstance(report[name], int | float) and report[name] > 0 for name in FIELDS)
    assert set(report["ratios"]) == {
        "ask/encode", "torch_encode/encode", "e2e/echo", "engine/echo", "e2e/engine",
        "model_ceiling/echo",
        "cold_start/floor", "rss/floor",
    }  # fmt: skip
