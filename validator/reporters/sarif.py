"""SARIF 2.1.0 (``--format sarif``) for GitHub code scanning and other SARIF viewers.

Rule ids are the stable codes; each rule carries its name, summary and markdown doc.
Results point at the record's line; the JSON path inside the record is given as a
logical location and in the result's properties.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import orjson

from toolproof.validator.engine import FindingSpool, LintResult, registered_rules
from toolproof.validator.findings import Finding, Severity
from toolproof.validator.reporters import render_by_stream
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


class _Sarif:
    """Builds the SARIF document; results are made one finding at a time."""

    def __init__(self, result: LintResult, base_dir: str | os.PathLike[str] | None, rules: list[Rule] | None) -> None:
        self.base = Path(base_dir) if base_dir is not None else Path.cwd()
        self.rules = rules if rules is not None else registered_rules()
        self.index = {r.code: i for i, r in enumerate(self.rules)}
        self.artifacts: list[dict[str, Any]] = []
        self.art_index: dict[str, int] = {}
        self.result = result
        for f in result.files:
            self.artifact(f.path)

    def artifact(self, path: str) -> dict[str, Any]:
        uri, rel = _uri(path, self.base)
        loc: dict[str, Any] = {"uri": uri}
        if rel:
            loc["uriBaseId"] = "%SRCROOT%"
        if path not in self.art_index:
            self.art_index[path] = len(self.artifacts)
            self.artifacts.append({"location": dict(loc), "roles": ["analysisTarget"]})
        loc["index"] = self.art_index[path]
        return loc

    def result_of(self, f: Finding) -> dict[str, Any]:
        phys: dict[str, Any] = {"artifactLocation": self.artifact(f.file)}
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
        if f.code in self.index:
            res["ruleIndex"] = self.index[f.code]
        return res

    def document(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        result, base = self.result, self.base
        notifications = [
            {"level": "error", "message": {"text": e}, "descriptor": {"id": "input-error"}} for e in result.errors
        ] + [{"level": "warning", "message": {"text": e}, "descriptor": {"id": "internal-error"}} for e in result.internal_errors]
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "toolproof",
                    "version": _version(),
                    "semanticVersion": _version(),
                    "rules": [_rule_descriptor(r) for r in self.rules],
                }
            },
            "originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}},
            "artifacts": self.artifacts,
            "invocations": [{"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def to_sarif(result: LintResult, *, base_dir: str | os.PathLike[str] | None = None, rules: list[Rule] | None = None) -> dict[str, Any]:
    s = _Sarif(result, base_dir, rules)
    results = [s.result_of(f) for f in result.findings]
    return s.document(results)


_SLOT = '\n      "results": [],\n'


class Stream:
    """The document of :func:`render`, written at ``close``: the findings are parked until then
    (artifacts and notifications come before the results) and read twice, once to register
    their files as artifacts, once to write each result indented as orjson's OPT_INDENT_2."""

    def __init__(self, out: IO[str], *, spool: Any = FindingSpool, base_dir: str | os.PathLike[str] | None = None, **_: Any) -> None:
        self.out = out
        self.parked = spool()
        self.base_dir = base_dir

    def finding(self, f: Finding) -> None:
        self.parked.append(f)

    def close(self, result: LintResult) -> None:
        s = _Sarif(result, self.base_dir, None)
        for f in self.parked:
            s.artifact(f.file)
        text = orjson.dumps(s.document([]), option=orjson.OPT_INDENT_2).decode()
        head, tail = text.split(_SLOT, 1)
        w = self.out.write
        w(head + '\n      "results": [')
        pad = "\n        "
        sep = pad
        for f in self.parked:
            w(sep + orjson.dumps(s.result_of(f), option=orjson.OPT_INDENT_2).decode().replace("\n", pad))
            sep = "," + pad
        w(("]" if sep == pad else "\n      ]") + ",\n" + tail + "\n")
        close = getattr(self.parked, "close", None)
        if close is not None:
            close()


def render(result: LintResult, **kw: Any) -> str:
    return render_by_stream(Stream, result, base_dir=kw.get("base_dir"))
