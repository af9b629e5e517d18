"""Draw docs/images/score-chart.png with the bot's own chart renderer (`make chart`).

The chart is the one Telegram sends under "Score chart" for the README's example: three Python
devs building a content-heavy site. The form's answers are fixed here and scored by the real
advisor from knowledge/rules.yaml, so the picture needs no model and comes out the same until
the rules change (then `make chart` redraws it).

    python -m scripts.render_chart [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.advisor import Advisor
from bot.config import packaged
from bot.dialogue import messages
from bot.form import load_form
from bot.knowledge import load_knowledge
from bot.telegram.chart import render_chart

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "docs" / "images" / "score-chart.png"
# "we're three Python devs building a content-heavy site": what the form reads from it.
EXAMPLE_SLOTS = {"team_language": "python", "workload": "content", "team_size": "small"}


def chart_png(knowledge_dir: Path | None = None, intents_dir: Path | None = None) -> bytes:
    """The example's score chart as PNG bytes, drawn as the Telegram adapter draws it."""
    kb = load_knowledge(knowledge_dir or packaged("knowledge"))
    spec = load_form(intents_dir or packaged("intents"))
    rec = Advisor(kb, spec).recommend(dict(EXAMPLE_SLOTS))
    reply = messages.chart(kb, rec)
    return render_chart(reply.scores, "", reply.breakdown)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the chart to --out (docs/images/score-chart.png); return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m scripts.render_chart", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the PNG")
    args = parser.parse_args(argv)
    png = chart_png()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(f"wrote {args.out} ({len(png)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
