"""LongCat-Flash: ``<longcat_tool_call>{"name": ..., "arguments": {...}}</longcat_tool_call>``.

Spec: vLLM ``longcat`` (Hermes' reader with its own tags).
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, iter_blocks, parse_call_payload, scan_tags

OPEN, CLOSE = "<longcat_tool_call>", "</longcat_tool_call>"


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    scan = scan_tags(text, OPEN, CLOSE)
    for b in scan.blocks:
        res = parse_call_payload(b.inner)
        if res.ok:
            r.calls.extend(res.calls)
        else:
            r.errors.append(f"{OPEN} at offset {b.start}: {res.error}")
    if r.calls:
        r.content = scan.outside_text(text)
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or OPEN not in text:
        return []
    out: list[dict[str, Any]] = []
    for _start, body, _end, _closed in iter_blocks(text, OPEN, CLOSE):
        try:
            obj = json.loads(body)
        except (ValueError, RecursionError):
            return []
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not isinstance(obj.get("arguments"), dict):
            return []
        out.append({"name": obj["name"], "arguments": obj["arguments"]})
    return out


FAMILY = Family(
    name="longcat",
    title="LongCat <longcat_tool_call>",
    example='<longcat_tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</longcat_tool_call>',
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM longcat",
)
