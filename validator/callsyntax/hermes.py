"""Hermes / Qwen2.5 / Qwen3: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``.

Spec: vLLM ``hermes`` (``Hermes2ProToolParser``), SGLang ``qwen25``. Several blocks, a list in one
block and a final unclosed block are read.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax.base import (
    OPEN_TAG,
    Family,
    ReadContext,
    Reading,
    parse_call_payload,
    scan_tool_call_tags,
    strict_json_tagged,
    strip_end_tokens,
)


def read_tag_json(text: str, ctx: ReadContext, label: str = OPEN_TAG) -> Reading:
    r = Reading()
    scan = scan_tool_call_tags(text)
    if not scan.opens:
        return r
    for b in scan.blocks:
        res = parse_call_payload(strip_end_tokens(b.inner))
        if res.ok:
            r.calls.extend(res.calls)
        else:
            where = "unclosed " if not b.closed else ""
            r.errors.append(f"{where}{label} at offset {b.start}: {res.error}")
    if r.calls:
        r.content = scan.outside_text(text)
    return r


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM's hermes parser: the ``<tool_call>(.*?)</tool_call>|<tool_call>(.*)`` match (done with
    :func:`iter_blocks`, which is linear where the regex is not), every body
    JSON with a ``name`` and an ``arguments`` object, else no calls at all. One step stricter than
    vLLM: ``arguments`` that are not an object void the output too."""
    if not text or OPEN_TAG not in text:
        return []
    return strict_json_tagged(strip_end_tokens(text), OPEN_TAG, "</tool_call>")


def _claims(text: str) -> bool:
    return OPEN_TAG in text or "</tool_call>" in text


FAMILY = Family(
    name="hermes",
    title="Hermes / Qwen2.5 / Qwen3 <tool_call> JSON",
    example='<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    read=read_tag_json,
    strict=strict,
    markers=(OPEN_TAG, "</tool_call>"),
    claims=_claims,
    aliases=("qwen25", "qwen2_5", "qwen3"),
    serving="vLLM hermes, SGLang qwen25",
)
