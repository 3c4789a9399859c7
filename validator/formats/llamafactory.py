"""LLaMA-Factory "v1" messages (hiyouga/LLaMA-Factory, ``src/llamafactory/v1``; e.g.
``data/reason_tool_use_demo_50.jsonl``) -> canonical.

Shape (``v1/extras/types.py``: ``Message = {role, content: list[Content], loss_weight}``,
``Content = {type: text|reasoning|tool_call(s)|tools|image_url, value: str}``)::

    {"messages": [{"role": "system", "content": [{"type": "text", "value": "..."}]},
                  {"role": "user", "content": [{"type": "text", "value": "..."}]},
                  {"role": "assistant", "content": [{"type": "reasoning", "value": "..."},
                                                    {"type": "tool_call", "value": "{\\"name\\": \\"f\\", \\"arguments\\": {...}}"}]},
                  {"role": "tool", "content": [{"type": "text", "value": "..."}]}],
     "tools": "[{\\"type\\": \\"function\\", \\"function\\": {...}}]"}

Text parts join into ``content``; ``reasoning`` parts become ``reasoning_content`` (the field chat templates
with a thinking section read); ``tool_call`` parts become structured calls; a ``tool`` message answering
several calls with a JSON list of one result per call becomes one tool message per call; other parts
(images) are kept whole under ``content_parts``. ``loss_weight`` and other keys are kept.
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.formats.common import (
    CallIds,
    ConversionError,
    Notes,
    Record,
    assemble,
    call_from_obj,
    canonical_tools,
    loads_field,
    note,
    tool_message,
)

PART_TYPES = frozenset({"text", "reasoning", "tool_call", "tool_calls", "tools", "image_url", "image", "video", "audio"})


def _is_parts(content: Any) -> bool:
    return (
        isinstance(content, list)
        and bool(content)
        and all(isinstance(p, dict) and "value" in p and isinstance(p.get("type"), str) for p in content)
    )


def looks_like(obj: Record) -> bool:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        return False
    return any(isinstance(m, dict) and "role" in m and _is_parts(m.get("content")) for m in msgs)


def _calls(value: Any, ids: CallIds, where: str, notes: Notes | None) -> list[dict[str, Any]]:
    parsed = loads_field(value, where.removeprefix("$.")) if isinstance(value, str) else value
    items = parsed if isinstance(parsed, list) else [parsed]
    return [call_from_obj(item, ids, where, notes) for item in items]


def convert(obj: Record, notes: Notes | None = None) -> Record:
    msgs = obj.get("messages")
    if not isinstance(msgs, list):
        raise ConversionError("LLaMA-Factory v1 record needs a 'messages' list", "$.messages")
    ids = CallIds()
    out: list[dict[str, Any]] = []
    for i, m in enumerate(msgs):
        where = f"$.messages[{i}]"
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise ConversionError("a message must be an object with a string 'role'", where)
        role = m["role"]
        content = m.get("content")
        rest = {k: v for k, v in m.items() if k not in ("role", "content")}
        if isinstance(content, str) or content is None:
            out.append({"role": role, "content": content, **rest})
            continue
        if not isinstance(content, list):
            raise ConversionError(f"content must be a list of {{type, value}} parts, got {type(content).__name__}", f"{where}.content")
        text: list[str] = []
        reasoning: list[str] = []
        calls: list[dict[str, Any]] = []
        other: list[Any] = []
        for k, p in enumerate(content):
            pw = f"{where}.content[{k}]"
            if not isinstance(p, dict) or not isinstance(p.get("type"), str):
                raise ConversionError("a content part must be an object with a string 'type'", pw)
            kind, value = p["type"], p.get("value")
            if kind not in PART_TYPES:
                raise ConversionError(f"unknown content part type {kind!r} (LLaMA-Factory v1 knows {', '.join(sorted(PART_TYPES))})", f"{pw}.type")
            if kind in ("text", "reasoning") and not isinstance(value, str):
                raise ConversionError(f"a {kind} part needs a string 'value'", f"{pw}.value")
            if kind == "text":
                text.append(value)
            elif kind == "reasoning":
                reasoning.append(value)
            elif kind in ("tool_call", "tool_calls"):
                if role != "assistant":
                    raise ConversionError(f"a tool_call part in a {role!r} message", pw)
                calls.extend(_calls(value, ids, f"{pw}.value", notes))
            else:
                other.append(p)
        joined = "\n".join(text)
        if role == "tool":
            results: Any = None
            if len(ids.pending) > 1:
                try:
                    results = json.loads(joined)
                except ValueError:
                    results = None
            if isinstance(results, list) and len(results) == len(ids.pending):
                note(notes, "one tool message with a result per call split into tool messages")
                for r in results:
                    if isinstance(r, dict) and "content" in r:
                        name = r.get("name") if isinstance(r.get("name"), str) else None
                        out.append({**tool_message(r["content"], ids, name), **rest})
                    else:
                        out.append({**tool_message(r, ids), **rest})
            else:
                out.append({**tool_message(joined, ids), **rest})
            continue
        msg: dict[str, Any] = {"role": role, "content": joined if text or not calls else None}
        if reasoning:
            msg["reasoning_content"] = "\n".join(reasoning)
            note(notes, "reasoning parts kept as reasoning_content")
        if calls:
            msg["tool_calls"] = calls
        if other:
            msg["content_parts"] = other
            note(notes, "non-text content parts kept aside under content_parts")
        out.append({**msg, **rest})
    note(notes, "content part lists joined into text")
    tools = canonical_tools(obj["tools"]) if obj.get("tools") not in (None, "", []) else None
    return assemble(obj, ("messages", "tools"), out, tools, keep_order=True)


__all__ = ["PART_TYPES", "convert", "looks_like"]
