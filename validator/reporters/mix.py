"""The training mix of a cleaned output (what it teaches), shaped for the clean reports.

Its own module so that the clean report (which builds the model) and the Markdown / HTML renderers
(which draw it) both import it without importing each other.
"""

from __future__ import annotations

from typing import Any


def mix_summary(stats: dict[str, Any] | None, top: int = 15) -> dict[str, Any] | None:
    """What the output teaches, for the report's mix chart: the shares of records that call, decline
    a tool that nearly fits, or decline otherwise; the share of calling records with parallel calls;
    calls per tool (the ``top`` most called, the rest summed)."""
    if not stats or not stats.get("records"):
        return None
    n = int(stats["records"])
    no_call = int(stats.get("no_call_records", 0))
    near = int(stats.get("near_miss_records", 0))
    calling = int(stats.get("records_with_calls", 0))
    per_tool = list((stats.get("calls_per_tool") or {}).items())
    rest = per_tool[top:]
    return {
        "records": n,
        "shares": [
            {"label": "calls a tool", "records": calling, "share": round(calling / n, 4)},
            {"label": "declines, a related tool offered (near miss)", "records": near, "share": round(near / n, 4)},
            {"label": "answers without a call, otherwise", "records": no_call - near, "share": round((no_call - near) / n, 4)},
        ],
        "parallel_records": int(stats.get("parallel_records", 0)),
        "parallel_share": round(int(stats.get("parallel_records", 0)) / calling, 4) if calling else 0.0,
        "calls_per_tool": dict(per_tool[:top]),
        "other_tools": {"tools": len(rest), "calls": sum(int(v) for _, v in rest)},
    }


def mix_text_bars(mix: dict[str, Any], width: int = 30) -> list[str]:
    """The mix as text bars (Markdown reports, terminals)."""
    out = []
    for row in mix["shares"]:
        bar = "#" * round(width * row["share"])
        out.append(f"{row['label']:<46} {bar:<{width}} {row['share']:6.1%} ({row['records']})")
    out.append(f"{'calling records with parallel calls':<46} {'#' * round(width * mix['parallel_share']):<{width}} "
               f"{mix['parallel_share']:6.1%} ({mix['parallel_records']})")
    tools = mix["calls_per_tool"]
    top = max(tools.values(), default=0) or 1
    for name, v in tools.items():
        out.append(f"  {name[:44]:<44} {'#' * max(1, round(width * v / top)):<{width}} {v}")
    if mix["other_tools"]["tools"]:
        out.append(f"  ({mix['other_tools']['tools']} more tools, {mix['other_tools']['calls']} calls)")
    return out


__all__ = ["mix_summary", "mix_text_bars"]
