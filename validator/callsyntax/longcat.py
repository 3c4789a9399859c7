"""LongCat-Flash: ``<longcat_tool_call>{"name": ..., "arguments": {...}}</longcat_tool_call>``.

Spec: vLLM ``longcat`` (Hermes' reader with its own tags).
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    parse_call_payload,
    read_tagged,
    strict_json_tagged,
)

OPEN, CLOSE = "<longcat_tool_call>", "</longcat_tool_call>"


def _payload(inner: str) -> list[dict[str, Any]] | str | None:
    res = parse_call_payload(inner)
    return res.calls if res.ok else res.error


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, OPEN, CLOSE, _payload, "not a call")


def strict(text: str) -> list[dict[str, Any]]:
    return strict_json_tagged(text, OPEN, CLOSE)


FAMILY = Family(
    name="longcat",
    title="LongCat <longcat_tool_call>",
    example='<longcat_tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</longcat_tool_call>',
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM longcat",
)
