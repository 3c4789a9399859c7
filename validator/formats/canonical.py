"""The canonical record (TRL / Hugging Face chat templates; docs/ARCHITECTURE.md): ``messages`` with
``role`` / ``content`` (a string or null), assistant ``tool_calls`` whose ``function.arguments`` is an
*object*, ``tool`` messages, and ``tools`` as ``[{"type": "function", "function": {name, description,
parameters}}]``. HF-hub datasets in this shape: e.g. NousResearch/hermes-function-calling-v1 after TRL's
own conversion, and what ``toolproof convert`` writes. Read as it is, with one exception: a record
with no ``tools`` field whose system message holds a tool list (Hermes ``<tools>``, Glaive's or
ToolACE's wording, a JSON list of tools) gets that list as ``tools``, moved out of the system text
(``validator.formats.systools``); and ``tools`` given as a list of JSON strings, one per tool (a
common Hugging Face layout), is decoded.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.formats.common import Notes, Record, canonical_tools, note
from toolproof.validator.formats.systools import find_system_tools


def looks_like(obj: Record) -> bool:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        return False
    first = msgs[0] if msgs else None
    return not (isinstance(first, dict) and "from" in first and "role" not in first)


def convert(obj: Record, notes: Notes | None = None) -> Any:
    tools = obj.get("tools")
    if isinstance(tools, list) and any(isinstance(t, str) for t in tools):
        # a common Hugging Face layout: one JSON string per tool (Arrow stores each schema as text)
        note(notes, "tools decoded from JSON strings")
        return {**obj, "tools": canonical_tools(tools)}
    if "tools" in obj:
        return obj
    msgs = obj["messages"]
    for i, m in enumerate(msgs[:2]):
        if not (isinstance(m, dict) and m.get("role") == "system" and isinstance(m.get("content"), str)):
            continue
        found = find_system_tools(m["content"])
        if found is None:
            return obj
        if found.error:
            note(notes, "unparseable tool list in the system prompt", f"$.messages[{i}].content", "TP407", found.error)
            return obj
        note(notes, f"tools read from the system prompt ({found.wording})")
        new_msgs = list(msgs)
        new_msgs[i] = {**m, "content": found.rest}
        return {**obj, "messages": new_msgs, "tools": found.tools}
    return obj


__all__ = ["convert", "looks_like"]
