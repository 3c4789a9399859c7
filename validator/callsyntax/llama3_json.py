"""Llama 3.1 / 3.2 JSON calls: ``<|python_tag|>{"name": ..., "parameters": {...}}`` (or without the
tag), several separated by ``;``; also a pythonic ``f(a=1)`` after the tag.

Spec: vLLM ``llama3_json`` (``Llama3JsonToolParser``), SGLang ``llama3``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    parse_pythonic,
    read_bare_json,
    scan_json_calls,
    strip_end_tokens,
)

TAG = "<|python_tag|>"
_DECODER = json.JSONDecoder()
_SEP = re.compile(r"\s*;\s*(?=\{)")


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = text.find(TAG)
    if at < 0:  # the tag is optional: bare JSON calls anywhere
        return read_bare_json(text, ctx)
    body = strip_end_tokens(text[at + len(TAG) :]).strip()
    found, _spans, errs = scan_json_calls(body, ctx.budget)
    if not found:
        parts = [p for p in re.split(r";\s*", body) if p.strip()] if ";" in body else [body]
        for part in parts:
            got = parse_pythonic(part)
            if got:
                found.extend(got)
    r.errors.extend(f"{TAG}: {e}" for e in errs)
    if found:
        r.calls = found
        r.content = text[:at].strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM's llama3_json parser: from the tag (or the first ``{``), JSON objects separated by
    ``;``, each with a string ``name`` and a ``parameters`` or ``arguments`` object; any object that
    does not decode, or lacks them, voids the output."""
    if not text:
        return []
    at = text.find(TAG)
    body = strip_end_tokens(text[at + len(TAG) :] if at >= 0 else text)
    start = body.find("{")
    if start < 0:
        return []
    calls: list[dict[str, Any]] = []
    i = start
    while True:
        try:
            obj, end = _DECODER.raw_decode(body, i)
        except (ValueError, RecursionError):
            return []
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            return []
        args = obj["arguments"] if "arguments" in obj else obj.get("parameters")
        if not isinstance(args, dict):
            return []
        calls.append({"name": obj["name"], "arguments": args})
        m = _SEP.match(body, end)
        if not m:
            return calls
        i = m.end()


FAMILY = Family(
    name="llama3_json",
    title="Llama 3.x JSON (<|python_tag|>)",
    example='<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}',
    read=read,
    strict=strict,
    markers=(TAG,),
    aliases=("llama", "llama3", "llama32", "llama4_json"),
    serving="vLLM llama3_json / llama4_json, SGLang llama3",
)
