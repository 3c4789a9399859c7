"""Phi-4-mini: ``functools[{"name": ..., "arguments": {...}}]``.

Spec: vLLM ``phi4_mini_json``.
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, read_json_after

TAG = "functools["


def read(text: str, ctx: ReadContext) -> Reading:
    return read_json_after(text, ctx, TAG, "functools", "no JSON call list", keep=1)


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM: the lazy ``functools\\[(.*?)\\]`` match wrapped back in brackets, parsed as JSON."""
    text = text or ""
    at = text.find(TAG)
    close = text.find("]", at + len(TAG)) if at >= 0 else -1
    if close < 0:
        return []
    try:
        items = json.loads("[" + text[at + len(TAG) : close] + "]")
    except (ValueError, RecursionError):
        return []
    out: list[dict[str, Any]] = []
    for it in items:
        if not isinstance(it, dict) or not isinstance(it.get("name"), str):
            return []
        args = it.get("arguments", it.get("parameters", {}))
        if not isinstance(args, dict):
            return []
        out.append({"name": it["name"], "arguments": args})
    return out


FAMILY = Family(
    name="phi4_mini_json",
    title="Phi-4-mini functools[...]",
    example='functools[{"name": "get_weather", "arguments": {"city": "Paris"}}]',
    read=read,
    strict=strict,
    markers=(TAG,),
    aliases=("phi4",),
    serving="vLLM phi4_mini_json",
)
