"""MiniMax-M2: ``<minimax:tool_call><invoke name="f"><parameter name="k">v</parameter></invoke></minimax:tool_call>``.

Spec: vLLM ``minimax_m2``, SGLang ``minimax-m2``.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, param_value, scan_tags

OPEN, CLOSE = "<minimax:tool_call>", "</minimax:tool_call>"
_INVOKE = re.compile(r'<invoke\s+name="?([^">]+)"?\s*>(.*?)</invoke>', re.DOTALL)
_PARAM = re.compile(r'<parameter\s+name="?([^">]+)"?\s*>(.*?)</parameter>', re.DOTALL)


def invokes(body: str) -> list[dict[str, Any]]:
    return [
        {"name": m.group(1).strip(), "arguments": {p.group(1).strip(): param_value(p.group(2)) for p in _PARAM.finditer(m.group(2))}}
        for m in _INVOKE.finditer(body)
    ]


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    scan = scan_tags(text, OPEN, CLOSE)
    for b in scan.blocks:
        got = invokes(b.inner)
        if got:
            r.calls.extend(got)
        else:
            r.errors.append(f"{OPEN} at offset {b.start}: no <invoke name=...> inside")
    if r.calls:
        r.content = scan.outside_text(text)
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or OPEN not in text:
        return []
    scan = scan_tags(text, OPEN, CLOSE)
    calls: list[dict[str, Any]] = []
    for b in scan.blocks:
        got = invokes(b.inner) if b.closed else []
        if not got:
            return []
        calls.extend(got)
    return calls


FAMILY = Family(
    name="minimax_m2",
    title="MiniMax-M2 <minimax:tool_call><invoke>",
    example='<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="city">Paris</parameter>\n</invoke>\n</minimax:tool_call>',
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM minimax_m2, SGLang minimax-m2",
)
