"""Calls in a Markdown code fence: ```` ```json\n{"name": ..., "arguments": {...}}\n``` ````.

No serving parser reads these (the strict reader returns nothing); models without a call syntax of
their own (small instruct models, BFCL prompting) write them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    calls_from_value,
    literal,
    parse_call_payload,
    remove_spans,
    scan_json_calls,
)

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_LANGS = ("", "json", "jsonc", "json5", "tool_call", "tool_calls", "javascript", "js")


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    spans: list[tuple[int, int]] = []
    for m in _FENCE.finditer(text):
        if m.group(1).lower() not in _LANGS:
            continue
        body = m.group(2).strip()
        if not body:
            continue
        res = parse_call_payload(body)
        found = calls_from_value(json.loads(body)) if res.kind == "json" and res.ok else None
        if found is None and res.ok:
            try:
                found = calls_from_value(literal(body))
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                found = None
        if found is None:
            more, _s, _e = scan_json_calls(body, ctx.budget)
            found = more or None
        if found:
            r.calls.extend(found)
            spans.append((m.start(), m.end()))
        elif body.lstrip().startswith("{") and '"name"' in body:
            r.errors.append(f"fenced block at offset {m.start()}: not a complete call object")
    if r.calls:
        r.content = remove_spans(text, spans)
    return r


def strict(text: str) -> list[dict[str, Any]]:
    return []


_WHOLE_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)\n?[ \t]*```", re.DOTALL)
_CALL_KEYS = (frozenset({"name", "arguments"}), frozenset({"name", "parameters"}))


def whole_content_calls(text: str, tool_names: Any) -> list[dict[str, Any]] | None:
    """The calls when ``text`` is *exactly* a JSON call value and nothing else, else None.

    The APIGen / xLAM / Hammer SFT convention: the whole assistant content is a JSON list (or one
    object) of ``{"name", "arguments"}`` (or ``"parameters"``), bare or in one ```` ```json ````
    fence. Then the structured form is unambiguous, with three guards: strict JSON (no Python
    literal, no trailing text), each object holds exactly those two keys with an arguments object,
    and every name is one of ``tool_names`` (a record without declared tools gets None)."""
    if not tool_names or not isinstance(text, str):
        return None
    body = text.strip()
    m = _WHOLE_FENCE.fullmatch(body)
    if m is not None:
        if m.group(1).lower() not in _LANGS:
            return None
        body = m.group(2).strip()
    if not body.startswith(("[", "{")):
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    items = value if isinstance(value, list) else [value]
    calls: list[dict[str, Any]] = []
    for item in items:
        if not isinstance(item, dict) or frozenset(item) not in _CALL_KEYS or not isinstance(item["name"], str):
            return None
        args = item.get("arguments", item.get("parameters"))
        if not isinstance(args, dict) or item["name"] not in tool_names:
            return None
        calls.append({"name": item["name"], "arguments": args})
    return calls or None


FAMILY = Family(
    name="fenced",
    title="JSON call in a ```json fence",
    example='```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```',
    read=read,
    strict=strict,
)
