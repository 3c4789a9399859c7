"""Mistral: ``[TOOL_CALLS][{"name": ..., "arguments": {...}}]`` (tokenizers before v11) and
``[TOOL_CALLS]name{...}`` / ``[TOOL_CALLS]name[ARGS]{...}`` (v11 and later), repeated per call.

Spec: vLLM ``mistral`` (``MistralToolParser``), SGLang ``mistral``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    MAX_DEPTH,
    Family,
    ReadContext,
    Reading,
    nesting_depth,
    scan_json_calls,
    strip_end_tokens,
)

TAG = "[TOOL_CALLS]"
_NAME = re.compile(r"\s*([A-Za-z_][\w.\-]*)\s*(?:\[CALL_ID\][^\[{]*)?(?:\[ARGS\])?\s*(?=\{)")
_DECODER = json.JSONDecoder()


def _named(piece: str) -> tuple[str, str] | None:
    m = _NAME.match(piece)
    return (m.group(1), piece[m.end() :]) if m else None


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = text.find(TAG)
    if at < 0:
        return r
    before = text[:at]
    for piece in strip_end_tokens(text[at + len(TAG) :]).split(TAG):
        named = _named(piece)
        if named is not None:
            name, rest = named
            try:
                args, _end = _DECODER.raw_decode(rest)
            except (ValueError, RecursionError) as e:
                r.errors.append(f"{TAG} arguments of {name!r}: {e}")
                continue
            if isinstance(args, dict) and nesting_depth(args) <= MAX_DEPTH:
                r.calls.append({"name": name, "arguments": args})
            continue
        found, _spans, errs = scan_json_calls(piece, ctx.budget)
        r.calls.extend(found)
        r.errors.extend(f"{TAG}: {e}" for e in errs)
    if r.calls:
        r.content = before.strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    """What vLLM's mistral parser returns: the list after the tag parsed with ``json.loads`` (each
    item a ``name`` and an ``arguments`` object), or every ``name{...}`` piece parsed whole; any
    piece that fails voids the output."""
    if not text or TAG not in text:
        return []
    rest = strip_end_tokens(text.split(TAG, 1)[1]).strip()
    calls: list[dict[str, Any]] = []
    if rest.startswith("["):
        try:
            items = json.loads(rest)
        except (ValueError, RecursionError):
            return []
        if not isinstance(items, list):
            return []
        for it in items:
            if not isinstance(it, dict) or not isinstance(it.get("name"), str) or not isinstance(it.get("arguments"), dict):
                return []
            calls.append({"name": it["name"], "arguments": it["arguments"]})
        return calls
    for piece in rest.split(TAG):
        named = _named(piece)
        if named is None:
            return []
        try:
            args = json.loads(named[1])
        except (ValueError, RecursionError):
            return []
        if not isinstance(args, dict):
            return []
        calls.append({"name": named[0], "arguments": args})
    return calls


FAMILY = Family(
    name="mistral",
    title="Mistral [TOOL_CALLS]",
    example='[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}}]  or  [TOOL_CALLS]get_weather{"city": "Paris"}',
    read=read,
    strict=strict,
    markers=(TAG,),
    serving="vLLM mistral, SGLang mistral",
)
