"""Reporters turn a LintResult into text; they never run rules and never print."""

from __future__ import annotations

import importlib
from typing import Any

FORMATS = {"text": "text", "json": "json_report", "sarif": "sarif", "github": "github"}


def render(result: Any, fmt: str = "text", **kw: Any) -> str:
    """Render ``result`` in ``fmt`` (text, json, sarif, github)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    mod = importlib.import_module(f"toolproof.validator.reporters.{FORMATS[fmt]}")
    return str(mod.render(result, **kw))


__all__ = ["FORMATS", "render"]
