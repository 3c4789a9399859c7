"""IBM Granite.

- granite (3.0 / 3.1): ``<|tool_call|>[{"name": ..., "arguments": {...}}]`` (3.1 also writes
  ``<tool_call>[...]``, which the hermes reader takes).
- granite_20b_fc: ``<function_call> {"name": ..., "arguments": {...}}`` repeated per call.

Spec: vLLM ``granite`` and ``granite-20b-fc``.
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    calls_from_value,
    read_json_after,
    scan_json_calls,
    split_on,
    strict_json_items,
)

TAG = "<|tool_call|>"
FC_TAG = "<function_call>"
_DECODER = json.JSONDecoder()


def read(text: str, ctx: ReadContext) -> Reading:
    return read_json_after(text, ctx, TAG, TAG, "no JSON call list after it")


def strict(text: str) -> list[dict[str, Any]]:
    if not text or TAG not in text:
        return []
    rest = text.split(TAG, 1)[1].strip()
    try:
        value, _end = _DECODER.raw_decode(rest)
    except (ValueError, RecursionError):
        return []
    items = value if isinstance(value, list) else [value]
    return strict_json_items(items)


def read_fc(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    first = text.find(FC_TAG)
    if first < 0:
        return r
    for at, seg in split_on(text, FC_TAG):
        found, _s, errs = scan_json_calls(seg, ctx.budget)
        if found:
            r.calls.extend(found)
        else:
            r.errors.append(f"{FC_TAG} at offset {at}: no JSON call after it" + (f" ({errs[0]})" if errs else ""))
    if r.calls:
        r.content = text[:first].strip()
    return r


def strict_fc(text: str) -> list[dict[str, Any]]:
    if not text or FC_TAG not in text:
        return []
    out: list[dict[str, Any]] = []
    for piece in text.split(FC_TAG)[1:]:
        try:
            value, _end = _DECODER.raw_decode(piece.strip())
        except (ValueError, RecursionError):
            return []
        got = calls_from_value(value) if isinstance(value, dict) and "arguments" in value else None
        if not got:
            return []
        out.extend(got)
    return out


FAMILY = Family(
    name="granite",
    title="Granite <|tool_call|>[...]",
    example='<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}]',
    read=read,
    strict=strict,
    markers=(TAG,),
    serving="vLLM granite",
)

FAMILY_20B_FC = Family(
    name="granite_20b_fc",
    title="Granite-20B-FunctionCalling <function_call>",
    example='<function_call> {"name": "get_weather", "arguments": {"city": "Paris"}}',
    read=read_fc,
    strict=strict_fc,
    markers=(FC_TAG,),
    aliases=("granite-20b-fc",),
    serving="vLLM granite-20b-fc",
)
