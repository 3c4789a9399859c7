"""`toolproof rules` (the rule table) and `toolproof rule CODE|NAME` (one rule's docs)."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import orjson

from toolproof.commands._common import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rules", help="list every lint rule", description="List every lint rule: code, name, severity, fix safety, summary.")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)
    q = sub.add_parser("rule", help="show one rule's documentation", description="Show the documentation of one rule.")
    q.add_argument("rule", metavar="CODE|NAME", help="e.g. TP301 or missing-required-argument")
    q.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    q.set_defaults(func=run_rule)


def _rules() -> list:  # type: ignore[type-arg]
    from toolproof.validator.engine import registered_rules

    return registered_rules()


def _as_dict(r: object) -> dict[str, object]:
    return {
        "code": r.code,  # type: ignore[attr-defined]
        "name": r.name,  # type: ignore[attr-defined]
        "severity": r.severity.value,  # type: ignore[attr-defined]
        "fix": r.fix.value,  # type: ignore[attr-defined]
        "fix_partial": r.fix_partial,  # type: ignore[attr-defined]
        "family": r.family,  # type: ignore[attr-defined]
        "scope": r.scope,  # type: ignore[attr-defined]
        "default_enabled": r.default_enabled,  # type: ignore[attr-defined]
        "summary": r.summary,  # type: ignore[attr-defined]
    }


def run(args: argparse.Namespace) -> int:
    rules = _rules()
    if args.format == "json":
        sys.stdout.write(orjson.dumps([_as_dict(r) for r in rules], option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"{len(rules)} rules")
        for col in ("code", "name", "severity", "fix", "summary"):
            t.add_column(col, overflow="fold")
        for r in rules:
            name = r.name if r.default_enabled else f"{r.name} (opt-in)"
            t.add_row(r.code, name, r.severity.value, r.fix_label, r.summary)
        Console().print(t)
        return 0
    wn = max((len(r.name) for r in rules), default=4) + 9
    print(f"{'code':<6} {'name':<{wn}} {'severity':<8} {'fix':<11} summary")
    for r in rules:
        name = r.name if r.default_enabled else f"{r.name} (opt-in)"
        print(f"{r.code:<6} {name:<{wn}} {r.severity.value:<8} {r.fix_label:<11} {r.summary}")
    return 0


PRECISION_TABLE = Path(__file__).resolve().parents[2] / "bench" / "labels" / "precision.json"


def measured_precision(code: str, table: Path = PRECISION_TABLE) -> str:
    """The rule's measured precision on the real sources, from the committed output of
    ``bench/precision.py`` (a line saying so when the table or the rule is not in it)."""
    try:
        rules = orjson.loads(table.read_bytes()).get("rules", {})
    except (OSError, ValueError, AttributeError):
        return "Measured precision: no table (bench/labels/precision.json, written by bench/precision.py --write)."
    real = (rules.get(code) or {}).get("real")
    if not real:
        return "Measured precision: no finding on the real sources to measure (bench/precision.py)."
    return (f"Measured precision: {real['precision']:.0%} on the real sources ({real['true']} of "
            f"{real['labelled']} labelled findings true; bench/precision.py, labels in bench/labels/).")


def run_rule(args: argparse.Namespace) -> int:
    from toolproof.validator.rules.base import get_rule

    rules = _rules()
    r = get_rule(args.rule)
    if r is None:
        keys = [x.code for x in rules] + [x.name for x in rules]
        close = difflib.get_close_matches(args.rule, keys, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else "; `toolproof rules` lists them"
        raise UsageError(f"unknown rule {args.rule!r}{hint}")
    if args.format == "json":
        d = _as_dict(r)
        d["doc"] = r.doc
        d["precision"] = measured_precision(r.code)
        sys.stdout.write(orjson.dumps(d, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    fix = f"{r.fix.value} for some findings (the others say why not)" if r.fix_partial else r.fix.value
    head = f"# {r.code} {r.name}\n\nSeverity: {r.severity.value}. Fix: {fix}. Family: {r.family}."
    if not r.default_enabled:
        head += " Off unless selected or its option is given."
    head += "\n\n" + measured_precision(r.code)
    text = f"{head}\n\n{r.doc.strip()}\n"
    if args.format == "text" and sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text)
    return 0
