"""HTML rendering of a clean report model: ONE self-contained file (inline CSS and SVG, no scripts,
no external assets). Dataset text is untrusted: every value goes through :func:`esc`."""

from __future__ import annotations

import html
import json
from typing import Any

from toolproof.validator.safeio import strip_bidi

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f6f8fa;padding:.6em;overflow:auto;white-space:pre-wrap;word-break:break-all;margin:.2em 0}
.sev-error{color:#b00020;font-weight:600}.sev-warning{color:#a15c00}.sev-info{color:#555}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.6em}.ba{display:grid;grid-template-columns:1fr 1fr;gap:1em}
details{margin:.4em 0}summary{cursor:pointer}.muted{color:#666}
"""


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    # bidi controls (U+202A-202E, U+2066-2069, ...) would make an excerpt read reversed: shown as escapes
    return html.escape(strip_bidi("" if value is None else str(value)), quote=True)


def _pretty(snippet: Any) -> str:
    s = "" if snippet is None else str(snippet)
    try:
        return json.dumps(json.loads(s), ensure_ascii=False, indent=2)
    except (ValueError, TypeError, RecursionError):
        return s


def _bar_chart(rows: list[tuple[str, str, int, str]], label: str = "findings by rule") -> str:
    """An inline SVG horizontal bar chart: (label, title, value, severity) rows."""
    if not rows:
        return "<p class=\"muted\">No findings.</p>"
    width, bar_h, gap, label_w = 760, 18, 6, 260
    top = max(v for _, _, v, _ in rows) or 1
    height = len(rows) * (bar_h + gap) + gap
    colors = {"error": "#d0453a", "warning": "#e0a030", "info": "#8a8a8a"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, title, value, sev) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1, int((width - label_w - 60) * value / top))
        parts.append(
            f'<g><title>{esc(title)}: {value}</title>'
            f'<text x="0" y="{y + bar_h - 4}" font-size="12" font-family="monospace">{esc(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colors.get(sev, "#8a8a8a")}"/>'
            f'<text x="{label_w + w + 4}" y="{y + bar_h - 4}" font-size="12">{value}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _mix_chart(mix: dict[str, Any]) -> str:
    """The output's mix: one stacked bar of record shares (calls / near-miss declines / other no-call
    answers) with a legend, the parallel-call share, and calls per tool as bars."""
    width, bar_h = 760, 22
    colors = ["#4a7fc1", "#3a9a5b", "#c9a13a"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="record mix" width="{width}" height="{bar_h + 70}" '
        f'viewBox="0 0 {width} {bar_h + 70}">'
    ]
    x = 0.0
    for i, row in enumerate(mix["shares"]):
        w = width * float(row["share"])
        if w > 0:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{bar_h}" fill="{colors[i % 3]}">'
                         f'<title>{esc(row["label"])}: {int(row["records"])} ({float(row["share"]):.1%})</title></rect>')
        x += w
    for i, row in enumerate(mix["shares"]):
        y = bar_h + 16 + i * 16
        parts.append(f'<rect x="0" y="{y - 10}" width="10" height="10" fill="{colors[i % 3]}"/>'
                     f'<text x="16" y="{y}" font-size="12">{esc(row["label"])}: {int(row["records"])} '
                     f'({float(row["share"]):.1%})</text>')
    parts.append("</svg>")
    o = ["".join(parts)]
    o.append(f"<p>Calling records with parallel calls: {int(mix['parallel_records'])} ({float(mix['parallel_share']):.1%}).</p>")
    rows = [(name[:34], name, int(v), "info") for name, v in mix["calls_per_tool"].items()]
    if rows:
        o.append("<h3>Calls per tool</h3>")
        o.append(_bar_chart(rows, "calls per tool"))
        other = mix.get("other_tools") or {}
        if other.get("tools"):
            o.append(f"<p class=\"muted\">{int(other['tools'])} more tools, {int(other['calls'])} calls.</p>")
    return "\n".join(o)


def render_clean_html(model: dict[str, Any]) -> str:
    s = model["summary"]
    o: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>toolproof clean report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>toolproof clean report</h1>",
        "<p>Inputs: " + ", ".join(f"<code>{esc(p)}</code>" for p in model["inputs"]) + "<br>",
        f"Output: <code>{esc(model['output'])}</code><br>Quarantine: <code>{esc(model['quarantine'])}</code><br>",
        f"Unsafe fixes: {'on' if model['unsafe_fixes'] else 'off'}; dedupe: {'on' if model['dedupe'] else 'off'}</p>",
        '<h2 id="summary">Summary</h2><div class="cards">',
    ]
    for label, key in (
        ("records in", "records_in"),
        ("passed unchanged", "passed_unchanged"),
        ("repaired", "repaired"),
        ("quarantined", "quarantined"),
        ("duplicates dropped", "duplicates_dropped"),
        ("written", "written"),
    ):
        o.append(f'<div class="card"><b>{int(s[key])}</b>{esc(label)}</div>')
    o.append("</div>")
    if s.get("ids_derived") or s.get("ids_suffixed"):
        o.append(
            f"<p>{int(s.get('ids_derived', 0))} ids derived from file:line; "
            f"{int(s.get('ids_suffixed', 0))} duplicate ids suffixed.</p>"
        )
    if len(model.get("files") or []) > 1:
        o.append('<table><tr><th>file</th><th class="n">records</th><th class="n">written</th>'
                 '<th class="n">quarantined</th><th class="n">duplicates</th></tr>')
        for f in model["files"]:
            o.append(
                f"<tr><td><code>{esc(f['path'])}</code></td><td class=\"n\">{int(f['records'])}</td>"
                f"<td class=\"n\">{int(f['written'])}</td><td class=\"n\">{int(f['quarantined'])}</td>"
                f"<td class=\"n\">{int(f['duplicates'])}</td></tr>"
            )
        o.append("</table>")

    # chart + findings by rule
    o.append('<h2 id="findings">Findings in the input by rule</h2>')
    rows = [
        (f"{f['code']} {f['name']}"[:34], f"{f['code']} {f['name']}", int(f["count"]), f["severity"])
        for f in model["findings_by_rule"]
    ]
    o.append(_bar_chart(rows))
    if model["findings_by_rule"]:
        o.append('<table><tr><th>code</th><th>rule</th><th>severity</th><th>fix</th>'
                 '<th class="n">findings</th><th class="n">records quarantined</th></tr>')
        for f in model["findings_by_rule"]:
            sev = esc(f["severity"])
            o.append(
                f'<tr><td><a href="#rule-{esc(f["code"])}">{esc(f["code"])}</a></td><td>{esc(f["name"])}</td>'
                f'<td class="sev-{sev}">{sev}</td><td>{esc(f["fix"])}</td>'
                f'<td class="n">{int(f["count"])}</td><td class="n">{int(f["quarantined"])}</td></tr>'
            )
        o.append("</table>")
        for f in model["findings_by_rule"]:
            o.append(f'<h3 id="rule-{esc(f["code"])}">{esc(f["code"])} {esc(f["name"])}</h3>')
            if f.get("summary"):
                o.append(f"<p>{esc(f['summary'])}</p>")
            for e in f["examples"]:
                o.append(
                    f"<details open><summary><code>{esc(e['file'])}:{int(e['line'])}</code> "
                    f"<code>{esc(e['path'])}</code> {esc(e['message'])}</summary>"
                    f"<pre>{esc(e['snippet'])}</pre></details>"
                )

    o.append('<h2 id="repairs">Repairs</h2>')
    if model["repairs"]:
        o.append('<table><tr><th>code</th><th>repair</th><th class="n">count</th></tr>')
        for r in model["repairs"]:
            o.append(f"<tr><td>{esc(r['code'])}</td><td>{esc(r['fix'])}</td><td class=\"n\">{int(r['count'])}</td></tr>")
        o.append("</table>")
        for r in model["repairs"]:
            ex = r.get("example")
            if not ex:
                continue
            o.append(f"<h3>{esc(r['code'])} {esc(r['fix'])}</h3>")
            o.append(
                f"<p><code>{esc(ex['file'])}:{int(ex['line'])}</code> at <code>{esc(ex['path'])}</code>: "
                f"{esc(ex['message'])}</p>"
            )
            o.append(
                f'<div class="ba"><div><b>Before</b><pre>{esc(_pretty(ex["before"]))}</pre></div>'
                f'<div><b>After</b><pre>{esc(_pretty(ex["after"]))}</pre></div></div>'
            )
    else:
        o.append("<p>No repairs.</p>")

    o.append('<h2 id="quarantine">Quarantined</h2>')
    if model["quarantined_by_rule"]:
        o.append('<table><tr><th>code</th><th>rule</th><th class="n">records</th></tr>')
        for q in model["quarantined_by_rule"]:
            o.append(
                f"<tr><td>{esc(q['code'])}</td><td>{esc(q['name'])}</td><td class=\"n\">{int(q['records'])}</td></tr>"
            )
        o.append("</table>")
    else:
        o.append("<p>Nothing quarantined.</p>")

    mix = model.get("mix")
    if mix:
        o.append('<h2 id="mix">What the output teaches (mix)</h2>')
        o.append(_mix_chart(mix))
    bal = model.get("balance")
    if bal:
        o.append('<h2 id="balance-repair">Balance repair</h2>')
        o.append(
            f"<p>Added {int(bal['added'])} near-miss decline records (wanted {int(bal['wanted'])}) made from calling "
            f"records: {int(bal['added_kept_related'])} keep a related tool of their source, {int(bal['added_borrowed'])} "
            f"offer one borrowed from the data's tools. Near misses: {float(bal['near_miss_share_before']):.1%} -> "
            f"{float(bal['near_miss_share_after']):.1%} of training records (target {float(bal['share']):.0%}, seed "
            f"{int(bal['seed'])}). Added records carry <code>\"origin\": \"balance\"</code> and "
            f"<code>source_id</code>.</p>"
        )
        if bal.get("dropped_tools"):
            o.append("<p>Made from calls of: " + ", ".join(
                f"<code>{esc(k)}</code> {int(v)}" for k, v in list(bal["dropped_tools"].items())[:20]) + "</p>")
    stats = model.get("stats")
    if stats:
        o.append('<h2 id="balance">Dataset balance (output)</h2><table>')
        for k, v in stats.items():
            val = v if isinstance(v, (str, int, float)) else json.dumps(v, ensure_ascii=False, default=str)
            o.append(f"<tr><th>{esc(k)}</th><td><code>{esc(val)}</code></td></tr>")
        o.append("</table>")
    if model.get("internal_errors"):
        o.append('<h2 id="internal">Internal errors</h2><ul>')
        o += [f"<li>{esc(e)}</li>" for e in model["internal_errors"][:50]]
        o.append("</ul>")
    o.append("</body></html>\n")
    return "\n".join(o)


__all__ = ["esc", "render_clean_html"]
