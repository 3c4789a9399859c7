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

from toolproof.validator.callsyntax.base import parse_call_payload, scan_tool_call_tags
from toolproof.validator.formats.common import (
    CallIds,
    ConversionError,
    Notes,
    Record,
    assemble,
    call_from_obj,
    canonical_tools,
    loads_field,
    make_call,
    note,
    tool_message,
)
from toolproof.validator.formats.pythonic import PythonicError, looks_pythonic, parse_calls
from toolproof.validator.formats.systools import find_system_tools

USER = {"human", "user"}
ASSISTANT = {"gpt", "assistant", "model", "bot", "chatgpt"}
SYSTEM = {"system"}
CALL = {"function_call", "tool_call", "tool_calls"}
RESULT = {"observation", "tool", "function", "function_response", "tool_response", "ipython"}
CONSUMED = ("conversations", "system", "tools")

_RESPONSE = re.compile(r"^\s*<tool_response>\s*(.*?)\s*</tool_response>\s*$", re.S)


def turns_of(obj: Record) -> tuple[str, list[Any]]:
    if isinstance(obj.get("conversations"), list):
        return "conversations", obj["conversations"]
    if isinstance(obj.get("messages"), list):
        return "messages", obj["messages"]
    raise ConversionError("ShareGPT record needs a 'conversations' list of {from, value} turns", "$.conversations")


def _calls_from_value(value: Any, ids: CallIds, where: str, notes: Notes | None) -> list[dict[str, Any]]:
    if isinstance(value, str) and looks_pythonic(value):
        try:
            return [make_call(c["name"], c["arguments"], ids) for c in parse_calls(value)]
        except PythonicError as e:
            raise ConversionError(f"function_call turn is a pythonic call list that does not parse ({e})", where) from None
    parsed = loads_field(value, where.removeprefix("$.")) if isinstance(value, str) else value
    if parsed is None:
        raise ConversionError("function_call turn is empty", where)
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:  # the source's converter lost the calls: kept as an empty call turn (TP201 reports it)
        note(notes, "function_call turn with an empty call list kept as an empty tool_calls list", where)
        return []
    return [call_from_obj(item, ids, where, notes) for item in items]


def _pythonic_calls(text: str, ids: CallIds) -> list[dict[str, Any]] | None:
    """Structured calls when ``text`` is only a pythonic call list (ToolACE's assistant turns), else None."""
    if not looks_pythonic(text):
        return None
    try:
        calls = parse_calls(text)
    except PythonicError:
        return None  # kept as text: the linter reports the markup
    return [make_call(c["name"], c["arguments"], ids) for c in calls] or None


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


def system_tools(messages: list[dict[str, Any]], tools: list[Any], notes: Notes | None) -> list[Any]:
    """``tools`` as given, else the tool list of the first system message (moved out of its text)."""
    if tools:
        return tools
    for i, m in enumerate(messages):
        if m.get("role") != "system" or not isinstance(m.get("content"), str):
            continue
        found = find_system_tools(m["content"])
        if found is None:
            continue
        if found.error:
            note(notes, "unparseable tool list in the system prompt", f"$.messages[{i}].content", "TP407", found.error)
            return tools
        note(notes, f"tools read from the system prompt ({found.wording})")
        m["content"] = found.rest
        return found.tools
    return tools


def convert(obj: Record, notes: Notes | None = None, *, pythonic: bool = False) -> Record:
    key, turns = turns_of(obj)
    ids = CallIds()
    messages: list[dict[str, Any]] = []
    raw_tools = obj.get("tools")
    try:
        tools = canonical_tools(raw_tools) if raw_tools not in (None, "", []) else []
    except ConversionError:
        if not (isinstance(raw_tools, str) and raw_tools.strip() in ("[]", "{}", "null")):
            raise
        tools = []
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
            messages.append({"role": "assistant", "content": None, "tool_calls": _calls_from_value(value, ids, f"{where}.value", notes)})
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
            if calls is None and pythonic:
                calls = _pythonic_calls(value, ids)
                if calls is not None:
                    note(notes, "pythonic call list read as structured calls")
            elif calls is not None:
                note(notes, "<tool_call> blocks read as structured calls")
            if calls is not None:
                messages.append({"role": "assistant", "content": None, "tool_calls": calls})
            else:
                messages.append({"role": "assistant", "content": value})
        else:
            raise ConversionError(f"unknown speaker {role!r} (expected human, gpt, system, function_call or observation)", f"{where}.from")
    tools = system_tools(messages, tools, notes)
    return assemble(obj, (*CONSUMED, key), messages, tools or None)


def looks_like(obj: Record) -> bool:
    key = "conversations" if isinstance(obj.get("conversations"), list) else "messages"
    turns = obj.get(key)
    if not isinstance(turns, list) or not turns:
        return key == "conversations" and isinstance(turns, list)
    first = turns[0]
    return isinstance(first, dict) and "from" in first and ("value" in first or key == "conversations")


__all__ = ["convert", "looks_like", "system_tools"]
