"""The JSON report (``--format json``): a stable, versioned shape."""

from __future__ import annotations

from typing import IO, Any

import orjson

from toolproof.validator.engine import FindingSpool, LintResult
from toolproof.validator.findings import Finding
from toolproof.validator.reporters import render_by_stream

VERSION = 1


def to_dict(result: LintResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "files": [{"path": f.path, "records": f.records, "dialects": dict(getattr(f, "dialects", {}) or {})} for f in result.files],
        "findings": [f.to_dict() for f in result.findings],
        "summary": {
            "records": result.records,
            "records_with_errors": result.records_with_errors,
            "errors": result.error_count,
            "warnings": result.warning_count,
            "by_code": result.by_code,
        },
        # files that could not be read at all (exit 2), one message each naming the file
        "errors": list(result.errors),
    }


_SLOT = '\n  "findings": [],\n'


class Stream:
    """The document of :func:`render`, written at ``close`` with the findings parked until then
    (the file list comes before them). Each finding is indented as orjson's OPT_INDENT_2 would."""

    def __init__(self, out: IO[str], *, spool: Any = FindingSpool, **_: Any) -> None:
        self.out = out
        self.parked = spool()

    def finding(self, f: Finding) -> None:
        self.parked.append(f)

    def close(self, result: LintResult) -> None:
        doc = to_dict(result)
        doc["findings"] = []
        text = orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
        head, tail = text.split(_SLOT, 1)  # the first: file paths come before it, escaped
        w = self.out.write
        w(head + '\n  "findings": [')
        sep = "\n    "
        for f in self.parked:
            w(sep + orjson.dumps(f.to_dict(), option=orjson.OPT_INDENT_2).decode().replace("\n", "\n    "))
            sep = ",\n    "
        w(("]" if sep == "\n    " else "\n  ]") + ",\n" + tail + "\n")
        close = getattr(self.parked, "close", None)
        if close is not None:
            close()


def render(result: LintResult, **_: Any) -> str:
    return render_by_stream(Stream, result)
