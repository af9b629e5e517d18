"""`python -m bot recommend`: a one-shot pick from a description (the model reads its needs)."""

from __future__ import annotations

import argparse
import json
import sys

from bot.advisor.justify import Advisor
from bot.advisor.scoring import validate_rules
from bot.config import Settings
from bot.dialogue import messages
from bot.errors import UserError
from bot.form import FormSpec, load_form
from bot.knowledge import load_knowledge
from bot.nlu import DescriptionReader
from bot.render.markdown import render_markdown
from bot.render.text import render_text


def parse_assignments(assignments: list[str], spec: FormSpec) -> dict[str, str]:
    """`--set SLOT=VALUE` pairs, checked against intents/; UserError naming the bad one."""
    fixed: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise UserError(f"--set expects SLOT=VALUE, got '{item}'")
        if name not in spec.slot_names:
            raise UserError(f"unknown slot '{name}' (one of: {', '.join(spec.slot_names)})")
        values = spec.slot(name).values
        if value not in values:
            raise UserError(f"unknown value '{value}' for {name} (one of: {', '.join(values)})")
        fixed[name] = value
    return fixed


def output_format(args: argparse.Namespace) -> str:
    """text, json or markdown from --format and the older --json; UserError when they differ."""
    chosen: str | None = args.format
    if args.json:
        if chosen not in (None, "json"):
            raise UserError(f"--json contradicts --format {chosen}: give one of them")
        return "json"
    return chosen or "text"


def cmd_recommend(args: argparse.Namespace, settings: Settings) -> int:
    """Print a pick for each description (text, or one a line from stdin with '-')."""
    form = output_format(args)
    kb = load_knowledge(settings.knowledge_dir)
    spec = load_form(settings.intents_dir)
    validate_rules(kb, spec, settings.knowledge_dir / "rules.yaml")
    fixed = parse_assignments(args.assignments, spec)
    if args.text == ["-"]:
        descriptions = [line.strip() for line in sys.stdin if line.strip()]
    else:
        descriptions = [" ".join(args.text).strip()]
    if descriptions == [""] and not fixed:
        raise UserError("describe the team and project, e.g. 'three Python devs, content site'")
    from bot.embedding.files import vocabulary
    from bot.embedding.loader import load_embedder
    from bot.nlu.spelling import Speller

    mender = Speller.for_descriptions(kb, spec, vocabulary())
    reader = DescriptionReader(
        spec, kb, load_embedder(settings.embedder), settings.data_dir / "index", mender
    )
    advisor = Advisor(kb, spec)
    for n, text in enumerate(descriptions):
        extraction = reader.read(text)
        slots = {**extraction.values, **fixed}
        negated = {k: v for k, v in extraction.negated.items() if k not in slots}
        said = {**extraction.said, **dict.fromkeys(fixed, "--set")}
        rec = advisor.recommend(slots, negated, extraction.needs, extraction.excluded, said)
        if form == "json":
            print(json.dumps(rec.to_json(), ensure_ascii=False))
        elif form == "markdown":
            # Several records on stdout are told apart by a Markdown rule between them.
            print(
                ("\n---\n\n" if n else "") + render_markdown(messages.record(kb, spec, rec)),
                end="",
            )
        else:
            if n:
                print("\n" + "=" * 40 + "\n")
            print(render_text(messages.recommendation(kb, spec, rec), numbered_options=False))
    return 0
