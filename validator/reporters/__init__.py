"""Reporters turn a LintResult into text; they never run rules and never print."""

from __future__ import annotations

import importlib
from typing import Any

REPORT_FORMATS = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github"}


def render(result: Any, fmt: str = "text", **kw: Any) -> str:
    """Render ``result`` in ``fmt`` (text, json, sarif, github)."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(REPORT_FORMATS)})")
    mod = importlib.import_module(f"toolproof.validator.reporters.{REPORT_FORMATS[fmt]}")
    return str(mod.render(result, **kw))


__all__ = ["REPORT_FORMATS", "render"]
