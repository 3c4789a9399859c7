"""Reporters turn a LintResult into text; they never run rules and never print.

Each format has ``render(result) -> str`` and a ``Stream``: ``Stream(out)`` takes the findings one
at a time (``.finding(f)``, in report order) and ``.close(result)`` writes the rest, so that a
run that streams its findings (``lint_paths(..., on_finding=stream.finding)``) never holds them
all. Text and GitHub annotations are written as they come; JSON and SARIF, whose documents put
the file list before the findings, park the findings in a temporary file until ``close``. The
output is the same bytes as ``render``.
"""

from __future__ import annotations

import importlib
import io
from typing import IO, Any

REPORT_FORMATS = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github"}


def _module(fmt: str) -> Any:
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(REPORT_FORMATS)})")
    return importlib.import_module(f"toolproof.validator.reporters.{REPORT_FORMATS[fmt]}")


def render(result: Any, fmt: str = "text", **kw: Any) -> str:
    """Render ``result`` in ``fmt`` (text, json, sarif, github)."""
    return str(_module(fmt).render(result, **kw))


def open_stream(fmt: str, out: IO[str], **kw: Any) -> Any:
    """A streaming writer of ``fmt`` onto ``out``: call ``.finding(f)`` per finding, then ``.close(result)``."""
    return _module(fmt).Stream(out, **kw)


def render_by_stream(stream_cls: Any, result: Any, **kw: Any) -> str:
    """``render`` through a format's Stream (one code path for both)."""
    buf = io.StringIO()
    s = stream_cls(buf, spool=list, **kw)
    for f in result.findings:
        s.finding(f)
    s.close(result)
    return buf.getvalue()


__all__ = ["REPORT_FORMATS", "open_stream", "render", "render_by_stream"]
