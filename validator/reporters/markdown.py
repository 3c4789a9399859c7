"""Markdown rendering of a clean report model (``validator.reporters.clean_report.to_dict``)."""

from __future__ import annotations

from typing import Any

from toolproof.validator.safeio import escape_block, escape_text


def _cell(value: Any, limit: int = 160) -> str:
    """Text safe inside a Markdown table cell: no pipes, no newlines, no raw HTML."""
    s = "" if value is None else str(value)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = escape_text(s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "⏎"))
    return s.replace("<", "&lt;").replace(">", "&gt;").replace("`", "ˋ")


def _span(value: Any, limit: int = 160) -> str:
    """Data as a Markdown code span: nothing in it renders (no image, link, autolink, emphasis or
    HTML); its own backticks cannot close the span (shown as ˋ). Every data-derived text outside a
    table of our own names goes through here."""
    s = "" if value is None else str(value)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = escape_text(s.replace("\r", " ").replace("\n", "⏎")).replace("`", "ˋ").replace("|", "\\|")
    return f"`{s}`" if s.strip() else "(empty)"


def _code(value: Any, limit: int = 800) -> str:
    s = "" if value is None else str(value)
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    s = escape_block(s)  # a snippet's own line breaks stay
    fence = "```"
    while fence in s:
        fence += "`"
    return f"{fence}json\n{s}\n{fence}"


def render_clean_markdown(model: dict[str, Any]) -> str:
    s = model["summary"]
    out: list[str] = ["# toolproof clean report", ""]
    out.append("Inputs: " + ", ".join(_span(p) for p in model["inputs"]))
    out.append(f"Output: {_span(model['output'])}  ")
    out.append(f"Quarantine: {_span(model['quarantine'])}  ")
    out.append(f"Unsafe fixes: {'on' if model['unsafe_fixes'] else 'off'}; dedupe: {'on' if model['dedupe'] else 'off'}")
    out += ["", "## Summary", "", "| | records |", "|---|---:|"]
    out.append(f"| records in | {s['records_in']} |")
    out.append(f"| passed unchanged | {s['passed_unchanged']} |")
    out.append(f"| repaired | {s['repaired']} |")
    out.append(f"| quarantined | {s['quarantined']} |")
    out.append(f"| duplicates dropped | {s['duplicates_dropped']} |")
    out.append(f"| written | {s['written']} |")
    if s.get("ids_derived"):
        out.append(f"| ids derived from file:line | {s['ids_derived']} |")
    if model.get("files") and len(model["files"]) > 1:
        out += ["", "| file | records | written | quarantined | duplicates |", "|---|---:|---:|---:|---:|"]
        for f in model["files"]:
            out.append(
                f"| {_span(f['path'])} | {f['records']} | {f['written']} | {f['quarantined']} | {f['duplicates']} |"
            )
    out += ["", "## Repairs", ""]
    if model["repairs"]:
        out += ["| code | repair | count |", "|---|---|---:|"]
        for r in model["repairs"]:
            out.append(f"| {r['code']} | {_cell(r['fix'])} | {r['count']} |")
        for r in model["repairs"]:
            ex = r.get("example")
            if not ex:
                continue
            out += ["", f"### {r['code']} {_cell(r['fix'])}", ""]
            out.append(f"{_span(str(ex['file']) + ':' + str(ex['line']))} at {_span(ex['path'])}: {_span(ex['message'], 400)}")
            out += ["", "Before:", "", _code(ex["before"]), "", "After:", "", _code(ex["after"])]
    else:
        out.append("No repairs.")
    out += ["", "## Quarantined", ""]
    if model["quarantined_by_rule"]:
        out += ["| code | rule | records |", "|---|---|---:|"]
        for q in model["quarantined_by_rule"]:
            out.append(f"| {q['code']} | {_cell(q['name'])} | {q['records']} |")
    else:
        out.append("Nothing quarantined.")
    out += ["", "## Findings in the input by rule", ""]
    if model["findings_by_rule"]:
        out += ["| code | rule | severity | fix | findings | quarantined |", "|---|---|---|---|---:|---:|"]
        for f in model["findings_by_rule"]:
            out.append(
                f"| {f['code']} | {_cell(f['name'])} | {f['severity']} | {f['fix']} | {f['count']} | {f['quarantined']} |"
            )
        for f in model["findings_by_rule"]:
            if not f["examples"]:
                continue
            out += ["", f"### {f['code']} {_cell(f['name'])}", ""]
            if f.get("summary"):
                out += [_cell(f["summary"], 400), ""]
            for e in f["examples"]:
                out.append(
                    f"- {_span(str(e['file']) + ':' + str(e['line']))} {_span(e['path'])}: {_span(e['message'], 400)}"
                    f" — {_span(e['snippet'], 120)}"
                )
    else:
        out.append("No findings.")
    mix = model.get("mix")
    if mix:
        from toolproof.validator.reporters.mix import mix_text_bars

        out += ["", "## What the output teaches (mix)", "", "```", *mix_text_bars(mix), "```"]
    bal = model.get("balance")
    if bal:
        out += ["", "## Balance repair", "", f"Added {bal['added']} near-miss decline records (wanted {bal['wanted']}) "
                f"made from calling records ({bal['added_kept_related']} keep a related tool, {bal['added_borrowed']} "
                f"borrow one): near misses {bal['near_miss_share_before']:.1%} -> {bal['near_miss_share_after']:.1%} "
                f"of training records (target {bal['share']:.0%}, seed {bal['seed']})."]
    stats = model.get("stats")
    if stats:
        out += ["", "## Dataset balance (output)", "", "| measure | value |", "|---|---|"]
        for k, v in stats.items():
            out.append(f"| {_cell(k)} | {_span(v, 300)} |")
    if model.get("internal_errors"):
        out += ["", "## Internal errors", ""]
        out += [f"- {_span(e, 300)}" for e in model["internal_errors"][:50]]
    out.append("")
    return "\n".join(out)


__all__ = ["render_clean_markdown"]
