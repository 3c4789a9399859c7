"""ShareGPT / LLaMA-Factory records -> canonical.

Shape::

    {"conversations": [{"from": "human", "value": "..."},
                       {"from": "function_call", "value": "{\\"name\\": \\"f\\", \\"arguments\\": {...}}"},
                       {"from": "observation", "value": "{...}"},
                       {"from": "gpt", "value": "..."}],
     "system": "...", "tools": "[{\\"name\\": \\"f\\", \\"description\\": ..., \\"parameters\\": {...}}]"}

``tools`` may be JSON text or a list. A ``function_call`` value may hold one call or a list (parallel
calls); an ``observation`` answering several calls may be a JSON list with one result per call.
Hermes-style ShareGPT (tools inside ``<tools>...</tools>`` in the system text, ``<tool_call>`` blocks in
``gpt`` turns, ``<tool_response>`` in ``tool`` turns) is recognised too: a ``gpt`` turn made only of
well-formed ``<tool_call>`` blocks becomes structured calls; anything malformed is kept as text so the
linter reports it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.evaluator.extract import parse_call_payload, scan_tool_call_tags
from toolproof.validator.formats.common import (
    CallIds,
    assemble,
    ConversionError,
    Record,
    call_from_obj,
    canonical_tools,
    loads_field,
    make_call,
    tool_message,
)

USER = {"human", "user"}
ASSISTANT = {"gpt", "assistant", "model", "bot", "chatgpt"}
SYSTEM = {"system"}
CALL = {"function_call", "tool_call", "tool_calls"}
RESULT = {"observation", "tool", "function", "function_response", "tool_response", "ipython"}
CONSUMED = ("conversations", "system", "tools")

_TOOLS_BLOCK = re.compile(r"<tools>(.*?)</tools>", re.S)
_RESPONSE = re.compile(r"^\s*<tool_response>\s*(.*?)\s*</tool_response>\s*$", re.S)


def turns_of(obj: Record) -> tuple[str, list[Any]]:
    if isinstance(obj.get("conversations"), list):
        return "conversations", obj["conversations"]
    if isinstance(obj.get("messages"), list):
        return "messages", obj["messages"]
    raise ConversionError("ShareGPT record needs a 'conversations' list of {from, value} turns", "$.conversations")


def _tools_from_system(text: str) -> list[dict[str, Any]]:
    bodies = [m.group(1).strip() for m in _TOOLS_BLOCK.finditer(text) if m.group(1).strip()]
    if not bodies:
        return []
    body = bodies[-1]  # "within <tools></tools> XML tags" often precedes the real block
    try:
        value = json.loads(body)
        items = value if isinstance(value, list) else [value]
    except ValueError:
        items = []
        dec = json.JSONDecoder()
        pos = 0
        while pos < len(body):
            while pos < len(body) and body[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(body):
                break
            try:
                item, pos = dec.raw_decode(body, pos)
            except ValueError:
                return []
            items.append(item)
    try:
        return canonical_tools(items, "system")
    except ConversionError:
        return []


def _calls_from_value(value: Any, ids: CallIds, where: str) -> list[dict[str, Any]]:
    parsed = loads_field(value, where.removeprefix("$.")) if isinstance(value, str) else value
    if parsed is None:
        raise ConversionError("function_call turn is empty", where)
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise ConversionError("function_call turn holds an empty list", where)
    return [call_from_obj(item, ids, where) for item in items]


def _markup_calls(text: str, ids: CallIds) -> list[dict[str, Any]] | None:
    """Structured calls when ``text`` is only well-formed ``<tool_call>`` JSON blocks, else None."""
    if "<tool_call>" not in text:
        return None
    scan = scan_tool_call_tags(text)
    if scan.problems or not scan.blocks or scan.outside_text(text):
        return None
    results = [parse_call_payload(b.inner) for b in scan.blocks]
    if not all(r.ok and r.kind == "json" for r in results):
        return None
    return [make_call(c["name"], c["arguments"], ids) for r in results for c in r.calls]


def convert(obj: Record) -> Record:
    key, turns = turns_of(obj)
    ids = CallIds()
    messages: list[dict[str, Any]] = []
    tools = canonical_tools(obj["tools"]) if obj.get("tools") not in (None, "", []) else []
    system = obj.get("system")
    if isinstance(system, str) and system.strip():
        messages.append({"role": "system", "content": system})
    for i, turn in enumerate(turns):
        where = f"$.{key}[{i}]"
        if not isinstance(turn, dict):
            raise ConversionError(f"a turn must be an object, got {type(turn).__name__}", where)
        role = turn.get("from", turn.get("role"))
        value = turn.get("value", turn.get("content"))
        if not isinstance(role, str):
            raise ConversionError("turn has no string 'from'", where)
        r = role.strip().lower()
        if r in CALL:
            messages.append({"role": "assistant", "content": None, "tool_calls": _calls_from_value(value, ids, f"{where}.value")})
            continue
        if r in RESULT:
            if isinstance(value, str):
                m = _RESPONSE.match(value)
                value = m.group(1) if m else value
            parsed: Any = None
            if isinstance(value, str) and len(ids.pending) > 1:
                try:
                    parsed = json.loads(value)
                except ValueError:
                    parsed = None
            if isinstance(parsed, list) and len(parsed) == len(ids.pending):
                messages.extend(tool_message(v, ids) for v in parsed)
            else:
                messages.append(tool_message(value if value is not None else "", ids, turn.get("name")))
            continue
        if not isinstance(value, str):
            raise ConversionError(f"'{role}' turn needs a string 'value'", f"{where}.value")
        if r in USER:
            messages.append({"role": "user", "content": value})
        elif r in SYSTEM:
            messages.append({"role": "system", "content": value})
        elif r in ASSISTANT:
            calls = _markup_calls(value, ids)
            if calls is not None:
                messages.append({"role": "assistant", "content": None, "tool_calls": calls})
            else:
                messages.append({"role": "assistant", "content": value})
        else:
            raise ConversionError(f"unknown speaker {role!r} (expected human, gpt, system, function_call or observation)", f"{where}.from")
    if not tools:
        for m in messages:
            if m["role"] == "system" and isinstance(m.get("content"), str) and "<tools>" in m["content"]:
                tools = _tools_from_system(m["content"])
                break
    return assemble(obj, (*CONSUMED, key), messages, tools or None)


def looks_like(obj: Record) -> bool:
    key = "conversations" if isinstance(obj.get("conversations"), list) else "messages"
    turns = obj.get(key)
    if not isinstance(turns, list) or not turns:
        return key == "conversations" and isinstance(turns, list)
    first = turns[0]
    return isinstance(first, dict) and "from" in first and ("value" in first or key == "conversations")


__all__ = ["convert", "looks_like"]
