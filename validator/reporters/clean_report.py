"""The report of a clean run: one JSON-able model, rendered as JSON, Markdown or HTML.

``to_dict(result)`` is the model (versioned); ``render(result, fmt)`` and ``write_report(result,
path)`` pick the renderer from the format / file extension. Reporters only format: they never
run rules.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

from toolproof.validator.clean_result import CleanResult
from toolproof.validator.reporters.mix import mix_summary, mix_text_bars
from toolproof.validator.safeio import atomic_writer

VERSION = 1


def _rule_meta(code: str) -> dict[str, str]:
    try:
        from toolproof.validator.rules.base import REGISTRY, all_rules

        if code not in REGISTRY:
            all_rules()
        r = REGISTRY.get(code)
    except Exception:  # reports must render even with a broken rule module
        r = None
    if r is None:
        return {"name": code, "summary": "", "fix": "none"}
    return {"name": r.name, "summary": r.summary, "fix": r.fix.value}


def to_dict(result: CleanResult) -> dict[str, Any]:
    """The report model: summary, per-file counts, findings by rule with examples, repairs with a
    before/after example each, quarantine reasons, the dataset balance and mix when computed, and the
    balance repair's report (``clean --balance``)."""
    findings = []
    for code, count in sorted(result.findings_by_rule.items()):
        meta = _rule_meta(code)
        findings.append(
            {
                "code": code,
                "name": meta["name"],
                "summary": meta["summary"],
                "severity": result.severity_by_rule.get(code, "error"),
                "fix": meta["fix"],
                "count": count,
                "quarantined": result.quarantined_by_rule.get(code, 0),
                "examples": [asdict(e) for e in result.finding_examples.get(code, [])],
            }
        )
    repairs = []
    for key, count in sorted(result.repairs.items()):
        code, _, name = key.partition(" ")
        ex = result.repair_examples.get(key)
        repairs.append(
            {
                "code": code,
                "fix": name,
                "count": count,
                "example": asdict(ex) if ex is not None else None,
            }
        )
    quarantined = [
        {"code": code, "name": _rule_meta(code)["name"], "records": n}
        for code, n in sorted(result.quarantined_by_rule.items())
    ]
    return {
        "version": VERSION,
        "kind": "clean",
        "inputs": list(result.inputs),
        "output": result.output,
        "quarantine": result.quarantine,
        "unsafe_fixes": result.unsafe_fixes,
        "dedupe": result.dedupe,
        "summary": result.summary(),
        "files": [asdict(f) for f in result.files],
        "findings_by_rule": findings,
        "repairs": repairs,
        "quarantined_by_rule": quarantined,
        "stats": result.stats,
        "mix": mix_summary(result.stats),
        "balance": getattr(result, "balance", None),
        "internal_errors": list(result.internal_errors),
    }


def format_for(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    return {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json"}.get(
        suffix, "json"
    )


def render(result: CleanResult | dict[str, Any], fmt: str) -> str:
    model = result if isinstance(result, dict) else to_dict(result)
    if fmt == "json":
        return orjson.dumps(model, option=orjson.OPT_INDENT_2, default=str).decode() + "\n"
    if fmt == "markdown":
        from toolproof.validator.reporters.markdown import render_clean_markdown

        return render_clean_markdown(model)
    if fmt == "html":
        from toolproof.validator.reporters.html import render_clean_html

        return render_clean_html(model)
    raise ValueError(f"unknown report format {fmt!r} (html, markdown, json)")


def write_report(result: CleanResult, path: str | os.PathLike[str]) -> Path:
    """Render by extension and write atomically; returns the path written."""
    p = Path(path)
    text = render(result, format_for(p))
    with atomic_writer(p) as f:
        f.write(text.encode("utf-8"))
    return p


__all__ = ["VERSION", "format_for", "mix_summary", "mix_text_bars", "render", "to_dict", "write_report"]
