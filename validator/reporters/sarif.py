"""SARIF 2.1.0 (``--format sarif``) for GitHub code scanning and other SARIF viewers.

Rule ids are the stable codes; each rule carries its name, summary and markdown doc.
Results point at the record's line; the JSON path inside the record is given as a
logical location and in the result's properties.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from toolproof.validator.engine import LintResult, _ensure_rules
from toolproof.validator.findings import Severity
from toolproof.validator.rules.base import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _version() -> str:
    from toolproof.validator import __version__

    return __version__


def _rule_descriptor(r: Rule) -> dict[str, Any]:
    summary = r.summary or r.name
    body = r.doc.strip() or summary
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": body},
        "help": {"text": body, "markdown": f"# {r.code} {r.name}\n\n{body}"},
        "defaultConfiguration": {"level": _LEVEL[r.severity], "enabled": r.default_enabled},
        "properties": {"fix": r.fix.value, "family": r.family, "scope": r.scope, "tags": [r.family]},
    }


def _uri(path: str, base: Path) -> tuple[str, bool]:
    """(uri, relative?) for a file path: relative to ``base`` when inside it."""
    p = Path(path)
    try:
        rel = p.resolve().relative_to(base.resolve())
        return quote(rel.as_posix()), True
    except ValueError:
        if not p.is_absolute():
            return quote(p.as_posix()), True
        return p.resolve().as_uri(), False


def to_sarif(result: LintResult, *, base_dir: str | os.PathLike[str] | None = None, rules: list[Rule] | None = None) -> dict[str, Any]:
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    rules = rules if rules is not None else _ensure_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    artifacts: list[dict[str, Any]] = []
    art_index: dict[str, int] = {}

    def artifact(path: str) -> dict[str, Any]:
        uri, rel = _uri(path, base)
        loc: dict[str, Any] = {"uri": uri}
        if rel:
            loc["uriBaseId"] = "%SRCROOT%"
        if path not in art_index:
            art_index[path] = len(artifacts)
            artifacts.append({"location": dict(loc), "roles": ["analysisTarget"]})
        loc["index"] = art_index[path]
        return loc

    for f in result.files:
        artifact(f.path)
    results: list[dict[str, Any]] = []
    for f in result.findings:
        phys: dict[str, Any] = {"artifactLocation": artifact(f.file)}
        if f.line >= 1:
            phys["region"] = {"startLine": f.line}
        res: dict[str, Any] = {
            "ruleId": f.code,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": phys,
                    "logicalLocations": [
                        {"fullyQualifiedName": f"record[{f.record}]{f.path[1:] if f.path.startswith('$') else f.path}", "kind": "member"}
                    ],
                }
            ],
            "partialFingerprints": {"toolproof/v1": f"{f.code}:{f.id or f.record}:{f.path}"},
            "properties": {"record": f.record, "recordId": f.id, "jsonPath": f.path, "fix": f.fix.value},
        }
        if f.code in index:
            res["ruleIndex"] = index[f.code]
        results.append(res)
    notifications = [
        {"level": "error", "message": {"text": e}, "descriptor": {"id": "input-error"}} for e in result.errors
    ] + [{"level": "warning", "message": {"text": e}, "descriptor": {"id": "internal-error"}} for e in result.internal_errors]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "toolproof",
                "version": _version(),
                "semanticVersion": _version(),
                "rules": [_rule_descriptor(r) for r in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}},
        "artifacts": artifacts,
        "invocations": [{"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: LintResult, **kw: Any) -> str:
    return orjson.dumps(to_sarif(result, base_dir=kw.get("base_dir")), option=orjson.OPT_INDENT_2).decode() + "\n"
