"""GitHub Actions workflow commands (``--format github``): one annotation per finding.

``::error file=data/train.jsonl,line=12,title=TP301 missing-required-argument::message``
"""

from __future__ import annotations

from typing import IO, Any

from toolproof.validator.engine import LintResult
from toolproof.validator.findings import Finding, Severity
from toolproof.validator.reporters import render_by_stream
from toolproof.validator.safeio import escape_text

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(s: str) -> str:
    # control characters (ESC, CR, LF, ...) and bidi controls from the data are shown as escapes
    # first, so no data can end an annotation or drive the log viewer
    return escape_text(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    """One annotation; a whole-file finding (mix rules: line 0, record -1) is a file-level annotation,
    with no ``line`` (GitHub has no line 0 and would drop or misplace it)."""
    title = f"{f.code} {f.name}"
    msg = f.message if f.path in ("", "$") else f"{f.message} ({f.path})"
    line = f",line={f.line}" if f.line >= 1 else ""
    return (
        f"::{_LEVEL[f.severity]} file={_escape_prop(f.file)}{line},"
        f"title={_escape_prop(title)}::{_escape_data(msg)}"
    )


class Stream:
    """Annotations written as the findings come."""

    def __init__(self, out: IO[str], **_: Any) -> None:
        self.out = out

    def finding(self, f: Finding) -> None:
        self.out.write(annotation(f) + "\n")

    def close(self, result: LintResult) -> None:
        for e in result.errors:
            self.out.write(f"::error title=toolproof::{_escape_data(e)}\n")


def render(result: LintResult, **_: Any) -> str:
    return render_by_stream(Stream, result)
