"""`toolproof parsers`: the call syntaxes `score`, `eval` and `lint` read, with an example each."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "parsers",
        help="list the call syntaxes (--parser FAMILY) with an example each",
        description="List every call syntax toolproof reads in model output and training text: the "
        "family name for --parser, its aliases, the serving parsers it mirrors and an example. "
        "--parser auto detects the family from its markers, in the order shown. An output holding a "
        "marker of any family but no readable call is scored unparsed_call_markup, never no_call, "
        "and lint flags it (TP101-TP107). Calls inside reasoning (<think>, <seed:think>, "
        "<|START_THINKING|>): score and eval read them when the answer outside holds none "
        "(--reasoning-calls read, the default) or drop them as a server with a reasoning parser "
        "does (--reasoning-calls ignore); lint always reads them. See docs/parsers.md.",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("family", nargs="?", help="show one family (name or alias)")
    p.set_defaults(func=run)


def _rows() -> list[dict[str, object]]:
    from toolproof.validator.callsyntax import AUTO_ORDER, FAMILIES

    order = {name: k for k, name in enumerate(AUTO_ORDER)}
    rows = []
    for f in sorted(FAMILIES.values(), key=lambda f: order.get(f.name, len(order))):
        rows.append(
            {
                "name": f.name,
                "title": f.title,
                "aliases": list(f.aliases),
                "serving": f.serving,
                "markers": list(f.markers),
                "auto": f.name in order,
                "same_as": f.same_as,
                "example": f.example,
            }
        )
    return rows


def run(args: argparse.Namespace) -> int:
    from toolproof.commands._common import UsageError
    from toolproof.validator.callsyntax import get_family

    rows = _rows()
    if args.family:
        try:
            name = get_family(args.family).name
        except ValueError as e:
            raise UsageError(str(e)) from None
        rows = [r for r in rows if r["name"] == name]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        extra = []
        if r["aliases"]:
            extra.append("aliases: " + ", ".join(r["aliases"]))  # type: ignore[arg-type]
        if r["serving"]:
            extra.append("mirrors: " + str(r["serving"]))
        if r["same_as"]:
            extra.append(f"same syntax as {r['same_as']} (auto reports that)")
        elif not r["auto"]:
            extra.append("named only (auto reads it with other families)")
        elif not r["markers"]:
            extra.append("no markers: auto tries it only when no marked syntax is present")
        print(f"{r['name']}: {r['title']}")
        if extra:
            print("  " + "; ".join(extra))
        for line in str(r["example"]).splitlines():
            print("    " + line)
    if not args.family:
        print(f"\n{len(rows)} families; --parser auto detects them from their markers in the order above.")
    return 0
