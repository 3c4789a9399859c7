"""GigaChat 3: ``function call{"name": ..., "arguments": {...}}`` (optionally
``function call<|role_sep|>\n{...}``).

Spec: vLLM ``gigachat3``, SGLang ``gigachat3``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import MAX_DEPTH, Family, ReadContext, Reading, nesting_depth, strict_call

_TRIGGER = re.compile(r"function call(?:<\|role_sep\|>\n?)?\s*(?=\{)")
_DECODER = json.JSONDecoder()


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    first = -1
    ms = list(_TRIGGER.finditer(text))
    for k, m in enumerate(ms):
        seg_end = ms[k + 1].start() if k + 1 < len(ms) else len(text)
        try:
            obj, _end = _DECODER.raw_decode(text[m.end() : seg_end])
        except (ValueError, RecursionError) as e:
            r.errors.append(f"'function call' at offset {m.start()}: {e}")
            continue
        c = strict_call(obj)
        if c is None or nesting_depth(c["arguments"]) > MAX_DEPTH:
            r.errors.append(f"'function call' at offset {m.start()}: not a call object")
            continue
        r.calls.append(c)
        if first < 0:
            first = m.start()
    if r.calls:
        r.content = text[:first].strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    m = _TRIGGER.search(text or "")
    if not m:
        return []
    try:
        obj = json.loads(text[m.end() :].strip())
    except (ValueError, RecursionError):
        return []
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return []
    args = obj.get("arguments", {})
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except (ValueError, RecursionError):
            return []
    return [{"name": obj["name"], "arguments": args}] if isinstance(args, dict) else []


def _claims(text: str) -> bool:
    return _TRIGGER.search(text) is not None


FAMILY = Family(
    name="gigachat3",
    title="GigaChat 3 'function call{...}'",
    example='function call{"name": "get_weather", "arguments": {"city": "Paris"}}',
    read=read,
    strict=strict,
    markers=("function call",),
    claims=_claims,
    call_markers=(_TRIGGER.pattern,),  # "function call" alone is prose
    serving="vLLM gigachat3, SGLang gigachat3",
)
