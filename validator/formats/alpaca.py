"""Alpaca records (``instruction`` / ``input`` / ``output``, optional ``system`` and ``history``) ->
canonical.

Shape (LLaMA-Factory data/README.md, "alpaca" format; many tool-calling SFT sets use it)::

    {"instruction": "...", "input": "...", "output": "...", "system": "...",
     "history": [["earlier user turn", "earlier answer"], ...], "tools": "[...]"}

The user turn is ``instruction``, followed by ``input`` on a new paragraph when it is not empty;
``output`` is the assistant turn. Calls written in ``output`` (a JSON call list, a ``<tool_call>``
tag, ...) stay text here: the lint rules read them (TP105 / TP107) and ``clean`` moves them to
structured calls when the reading is exact and the names are declared tools. ``tools`` (a list, or
JSON text) becomes canonical ``tools``.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats.common import ConversionError, Notes, Record, assemble, canonical_tools, note

CONSUMED = ("instruction", "input", "output", "system", "history", "tools")


def looks_like(obj: Record) -> bool:
    return (isinstance(obj.get("instruction"), str) and isinstance(obj.get("output"), str)
            and "messages" not in obj and "conversations" not in obj)


def _history(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConversionError(f"'history' must be a list of [user, assistant] pairs, got {type(value).__name__}", "$.history")
    out: list[dict[str, Any]] = []
    for k, pair in enumerate(value):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise ConversionError("each 'history' entry must be a [user, assistant] pair of strings", f"$.history[{k}]")
        out += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    return out


def convert(obj: Record, notes: Notes | None = None) -> Any:
    messages: list[dict[str, Any]] = []
    system = obj.get("system")
    if isinstance(system, str) and system.strip():
        messages.append({"role": "system", "content": system})
    messages += _history(obj.get("history"))
    extra = obj.get("input")
    if extra is not None and not isinstance(extra, str):
        raise ConversionError(f"'input' must be a string, got {type(extra).__name__}", "$.input")
    prompt = obj["instruction"] + (f"\n\n{extra}" if extra and extra.strip() else "")
    messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": obj["output"]}]
    tools = canonical_tools(obj["tools"]) if "tools" in obj else None
    note(notes, "alpaca instruction/input/output read as messages")
    return assemble(obj, CONSUMED, messages, tools)


__all__ = ["convert", "looks_like"]
