"""MiniMax-M1: ``<tool_calls>\n{"name": ..., "arguments": {...}}\n{...}\n</tool_calls>``, one JSON
object per line (a final block may be left open).

Spec: vLLM ``minimax``.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax import jamba
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, iter_blocks, strict_json_call


def read(text: str, ctx: ReadContext) -> Reading:
    return jamba.read_tool_calls_tag(text, ctx, "{")


def strict(text: str) -> list[dict[str, Any]]:
    if not text or jamba.OPEN not in text:
        return []
    out: list[dict[str, Any]] = []
    for _start, body, _end, _closed in iter_blocks(text, jamba.OPEN, jamba.CLOSE):
        for line in body.strip().splitlines():
            if not line.strip():
                continue
            c = strict_json_call(line)
            if c is None:
                return []
            out.append(c)
    return out


def _claims(text: str) -> bool:
    return re.search(r"<tool_calls>\s*\{", text) is not None


FAMILY = Family(
    name="minimax",
    title="MiniMax-M1 <tool_calls> JSON lines",
    example='<tool_calls>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_calls>',
    read=read,
    strict=strict,
    markers=(jamba.OPEN,),
    claims=_claims,
    aliases=("minimax_m1",),
    serving="vLLM minimax",
)
