"""`python -m benchmarks [--json] [--chats N]`: every benchmark, as ratios against floors."""

from __future__ import annotations

import argparse
import sys

from benchmarks.bench import cmd_bench
from bot.config import Settings


def main() -> int:
    """Parse the arguments, run the benchmarks; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks: encode, ask, button, end-to-end, cold start, memory.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--chats", type=int, default=200, help="concurrent chats (default 200)")
    return cmd_bench(parser.parse_args(), Settings())


if __name__ == "__main__":
    sys.exit(main())
