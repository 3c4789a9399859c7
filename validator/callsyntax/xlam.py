"""xLAM: a JSON list of calls, bare or in a ```json fence, after ``[TOOL_CALLS]``, inside
``<tool_call>`` or after ``</think>``.

Spec: vLLM ``xlam``. No marker of its own: ``auto`` reads these with the json, fenced, mistral
and hermes readers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax import fenced, hermes, json_text, mistral
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, iter_blocks, split_reasoning

_FENCE = re.compile(r"```(?:json)?\s*\n?(.*?)\n?```", re.DOTALL)


def read(text: str, ctx: ReadContext) -> Reading:
    for reader in (mistral.read, hermes.read_tag_json, fenced.read, json_text.read):
        r = reader(text, ctx)
        if r.calls:
            return r
    return Reading()


def _candidate(text: str) -> str:
    body, _ = split_reasoning(text)
    m = _FENCE.search(body)
    if m:
        return m.group(1)
    if mistral.TAG in body:
        return body.split(mistral.TAG, 1)[1]
    blocks = iter_blocks(body, "<tool_call>", "</tool_call>", unclosed=False)
    if blocks:
        return blocks[0][1]
    return body


def strict(text: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(_candidate(text or "").strip())
    except (ValueError, RecursionError):
        return []
    items = value if isinstance(value, list) else [value]
    out: list[dict[str, Any]] = []
    for it in items:
        if not isinstance(it, dict) or not isinstance(it.get("name"), str) or not isinstance(it.get("arguments", {}), dict):
            return []
        out.append({"name": it["name"], "arguments": it.get("arguments", {})})
    return out


FAMILY = Family(
    name="xlam",
    title="xLAM JSON call list",
    example='[{"name": "get_weather", "arguments": {"city": "Paris"}}]',
    read=read,
    strict=strict,
    serving="vLLM xlam",
)
