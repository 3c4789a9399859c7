"""Jamba: ``<tool_calls>[{"name": ..., "arguments": {...}}, ...]</tool_calls>``.

Spec: vLLM ``jamba``. The same tag holds Hunyuan-A13B's list and MiniMax's JSON lines; the
readers share :func:`read_tool_calls_tag`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    iter_blocks,
    scan_json_calls,
    scan_tags,
    strict_json_items,
)

OPEN, CLOSE = "<tool_calls>", "</tool_calls>"


def read_tool_calls_tag(text: str, ctx: ReadContext, first: str = "[") -> Reading:
    """Every ``<tool_calls>`` block whose body starts with ``first`` (``[``: a list, Jamba and
    Hunyuan; ``{``: JSON lines, MiniMax), read as JSON calls."""
    r = Reading()
    scan = scan_tags(text, OPEN, CLOSE)
    for b in scan.blocks:
        if not b.inner.lstrip().startswith(first):
            r.errors.append(f"{OPEN} at offset {b.start}: the body does not start with {first!r}")
            continue
        found, _s, errs = scan_json_calls(b.inner, ctx.budget)
        if found:
            r.calls.extend(found)
        else:
            r.errors.append(f"{OPEN} at offset {b.start}: no JSON call inside" + (f" ({errs[0]})" if errs else ""))
    if r.calls:
        r.content = scan.outside_text(text)
    return r


def strict_list(text: str) -> list[dict[str, Any]]:
    """vLLM's jamba / hunyuan_a13b parsers: the first closed block's body is one JSON list."""
    if not text or OPEN not in text:
        return []
    blocks = iter_blocks(text, OPEN, CLOSE, unclosed=False)
    if not blocks:
        return []
    try:
        items = json.loads(blocks[0][1])
    except (ValueError, RecursionError):
        return []
    if not isinstance(items, list):
        return []
    return strict_json_items(items)


def claims_list(text: str) -> bool:
    return re.search(r"<tool_calls>\s*\[", text) is not None


FAMILY = Family(
    name="jamba",
    title="Jamba / Hunyuan <tool_calls>[...]",
    example='<tool_calls>[{"name": "get_weather", "arguments": {"city": "Paris"}}]</tool_calls>',
    read=read_tool_calls_tag,
    strict=strict_list,
    markers=(OPEN,),
    claims=claims_list,
    serving="vLLM jamba",
)
