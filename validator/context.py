"""Build the per-record :class:`~validator.rules.base.Context` that record rules read.

The tool table is collected leniently: canonical ``{"type": "function", "function": {...}}``
entries and flat ``{"name", "description", "parameters"}`` entries both count, so that one
shape problem (reported by TP405/TP406) does not turn every call into an "undeclared tool".
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.rules.base import Context


def tool_function(tool: Any) -> dict[str, Any] | None:
    """The function-definition dict of one ``tools`` entry (wrapped or flat form), else None."""
    if not isinstance(tool, dict):
        return None
    fn = tool.get("function")
    if isinstance(fn, dict):
        return fn
    if "name" in tool:
        return tool
    return None


def collect_tools(tools: Any) -> dict[str, dict[str, Any]]:
    """Map tool name -> function dict; the first definition of a name wins; never raises."""
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(tools, list):
        return out
    for tool in tools:
        fn = tool_function(tool)
        if fn is None:
            continue
        name = fn.get("name")
        if isinstance(name, str) and name and name not in out:
            out[name] = fn
    return out


def build_context(record: Any, index: int = 0, options: dict[str, Any] | None = None) -> Context:
    """The context for one record: its index, its tools by name, and the lint options.

    Build one context per record check: rules may memoise per-record work on it.
    """
    tools = collect_tools(record.get("tools")) if isinstance(record, dict) else {}
    return Context(record_index=index, tools=tools, options=options if options is not None else {})


__all__ = ["build_context", "collect_tools", "tool_function"]
