"""`toolproof score PREDICTIONS --data TEST`: extract calls from predictions and grade them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from toolproof.evaluator.extract import PARSERS
from toolproof.validator.callsyntax import REASONING_CALLS


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "score",
        help="grade predictions (raw model output or calls) against a test set",
        description="Grade predictions against a test set: calls are extracted from raw output "
        "(all common formats), then matched (BFCL semantics when records carry possible_answer).",
    )
    p.add_argument("predictions", help='JSONL lines {"id", "output": raw text} or {"id", "calls": [...]}')
    p.add_argument("--data", required=True, help="test set JSONL (records with expected_calls or possible_answer)")
    p.add_argument("-o", "--output", help="write one verdict per line to this JSONL file")
    add_parser_argument(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def add_parser_argument(p: argparse.ArgumentParser) -> None:
    """``--parser FAMILY|auto`` (shared by score and eval)."""
    p.add_argument(
        "--parser",
        default="auto",
        choices=["auto", *PARSERS],
        metavar="FAMILY|auto",
        help="call syntax to read (default: auto, which detects it from its markers); "
        "`toolproof parsers` lists the families",
    )
    p.add_argument(
        "--reasoning-calls",
        default="read",
        choices=list(REASONING_CALLS),
        help="calls written inside reasoning (<think>, <seed:think>, <|START_THINKING|>): read them when the "
        "answer outside holds none (default; unreadable markup there is scored unparsed_call_markup), or "
        "ignore them as a server with a reasoning parser does (see `toolproof parsers --help`)",
    )


def format_summary(s: Any, *, title: str = "", strict_parser: str | None = None) -> str:
    """Human-readable summary of a ScoreSummary (used by `score` and `eval`)."""
    from toolproof.validator.safeio import escape_text as e_

    lines: list[str] = []
    if title:
        lines.append(e_(title))
    lines.append(f"accuracy: {s.accuracy:.1%} ({s.correct}/{s.n})")
    if s.per_category:
        lines.append("per category:")
        w = max(len(e_(c)) for c in s.per_category)
        for c, v in s.per_category.items():
            lines.append(f"  {e_(c):<{w}}  {v['accuracy']:6.1%}  ({v['correct']}/{v['n']})")
    if s.errors:
        lines.append("errors:")
        for e, k in s.errors.items():
            lines.append(f"  {e_(e):<20} {k}")
    if s.parsers:
        lines.append("extraction formats:")
        for name, v in s.parsers.items():
            lines.append(f"  {e_(name):<14} {v['outputs']:>5} outputs, {v['correct']} correct")
    if s.hermes_only_accuracy is not None:
        lines.append(f"a tags-only (<tool_call>) extractor would report: {s.hermes_only_accuracy:.1%}")
    if s.strict_accuracy is not None:
        who = "Hermes" if strict_parser in (None, "auto") else strict_parser
        lines.append(f"strict (what a serving {who} parser returns, nothing repaired): {s.strict_accuracy:.1%}")
    if s.schema_violation_examples:
        lines.append(f"examples whose calls break the tool schema: {s.schema_violation_examples}")
    if s.missing:
        shown = ", ".join(e_(m) for m in s.missing[:20]) + (f" ... (+{len(s.missing) - 20})" if len(s.missing) > 20 else "")
        lines.append(f"missing predictions (counted wrong): {len(s.missing)}: {shown}")
    if s.unknown:
        lines.append(f"predictions for ids not in the test set (ignored): {len(s.unknown)}: {', '.join(e_(u) for u in s.unknown[:20])}")
    if s.duplicates:
        lines.append(f"repeated prediction ids (first kept): {', '.join(e_(d) for d in s.duplicates[:20])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.evaluator.score import InputError, load_predictions, load_records, score_predictions
    from toolproof.validator.safeio import OutputError, atomic_writer, refuse_overwrite

    if args.output:
        try:
            refuse_overwrite([("-o", args.output)], [args.predictions, args.data])
        except OutputError as e:
            raise UsageError(str(e)) from None
    try:
        preds = load_predictions(args.predictions)
        records = load_records(args.data)
    except InputError as e:
        raise UsageError(str(e)) from None
    if not records:
        raise UsageError(f"{args.data}: no records in the test set; there is nothing to score "
                         "(an accuracy of 0/0 would mean nothing)")
    summary = score_predictions(preds, records, parser=args.parser, reasoning_calls=args.reasoning_calls)
    if args.output:
        try:
            with atomic_writer(args.output, "w") as f:
                for ex in summary.examples:
                    f.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
        except OSError as e:
            raise UsageError(f"{args.output}: cannot write: {e}") from None
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        print(format_summary(summary, strict_parser=args.parser))
    if summary.missing:
        print(f"toolproof score: {len(summary.missing)} record(s) had no prediction", file=sys.stderr)
    return 0
