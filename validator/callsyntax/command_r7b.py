"""Cohere Command R7B: ``<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "f", "parameters": {...}}]<|END_ACTION|>``.

Spec: llama.cpp ``common_chat_parse_command_r7b`` (``common/chat-parser.cpp``) and Cohere's
Command R7B chat template: reasoning sits in ``<|START_THINKING|>...<|END_THINKING|>`` (set aside
with the other reasoning blocks), then one action block holding a JSON list of objects with
``tool_call_id``, ``tool_name`` and ``parameters``; text for the user sits in
``<|START_RESPONSE|>...<|END_RESPONSE|>`` and holds no call. The lenient reader also takes one
object instead of a list, ``name`` / ``arguments`` keys and a final unclosed block; the strict one
(llama.cpp's) wants every block closed, a list, and each item a string ``tool_name`` with a
``parameters`` object.
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, loads, read_tagged, strict_tagged

START, END = "<|START_ACTION|>", "<|END_ACTION|>"


def _item(obj: Any) -> dict[str, Any] | None:
    """One action item -> a call (``tool_name``/``parameters``, or ``name``/``arguments``)."""
    if not isinstance(obj, dict):
        return None
    name = obj.get("tool_name", obj.get("name"))
    args = obj.get("parameters", obj.get("arguments", {}))
    if isinstance(args, str):
        try:
            args = loads(args)
        except ValueError:
            return None
    if not isinstance(name, str) or not name or not isinstance(args, dict):
        return None
    return {"name": name, "arguments": args}


def _lenient(inner: str) -> list[dict[str, Any]] | str:
    try:
        value = loads(inner.strip())
    except ValueError as e:
        return f"action is not JSON: {e}"
    items = value if isinstance(value, list) else [value]
    calls = [_item(it) for it in items]
    if not calls or any(c is None for c in calls):
        return "action items need a string tool_name and a parameters object"
    return calls  # type: ignore[return-value]


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, START, END, _lenient, "no action inside")


def _strict_body(inner: str) -> list[dict[str, Any]] | None:
    try:
        value = json.loads(inner)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    out: list[dict[str, Any]] = []
    for it in value:
        if not isinstance(it, dict) or not isinstance(it.get("tool_name"), str) or not isinstance(it.get("parameters"), dict):
            return None
        out.append({"name": it["tool_name"], "arguments": it["parameters"]})
    return out


def strict(text: str) -> list[dict[str, Any]]:
    return strict_tagged(text, START, END, _strict_body)


FAMILY = Family(
    name="command_r7b",
    title="Command R7B <|START_ACTION|>[{tool_name, parameters}]",
    example='<|START_ACTION|>[{"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"city": "Paris"}}]<|END_ACTION|>',
    read=read,
    strict=strict,
    markers=(START,),
    aliases=("command_r", "command-r7b", "cohere"),
    serving="llama.cpp command_r7b",
)
