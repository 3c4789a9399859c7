"""MiniMax-M2: ``<minimax:tool_call><invoke name="f"><parameter name="k">v</parameter></invoke></minimax:tool_call>``.

Spec: vLLM ``minimax_m2``, SGLang ``minimax-m2``.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    iter_blocks,
    param_value,
    read_tagged,
    strict_tagged,
)

OPEN, CLOSE = "<minimax:tool_call>", "</minimax:tool_call>"
_NAME_ATTR = re.compile(r'\s+name="?([^">]+)"?\s*>')


def invokes(
    body: str,
    open_invoke: str = "<invoke",
    close_invoke: str = "</invoke>",
    open_param: str = "<parameter",
    close_param: str = "</parameter>",
) -> list[dict[str, Any]]:
    """``<invoke name="f"><parameter name="k">v</parameter></invoke>`` blocks -> calls (linear)."""
    out: list[dict[str, Any]] = []
    for _s, inner, _e, _closed in iter_blocks(body, open_invoke, close_invoke, unclosed=False):
        m = _NAME_ATTR.match(inner)
        if not m:
            continue
        args: dict[str, Any] = {}
        for _ps, pinner, _pe, _pc in iter_blocks(inner[m.end() :], open_param, close_param, unclosed=False):
            pm = _NAME_ATTR.match(pinner)
            if pm:
                args[pm.group(1).strip()] = param_value(pinner[pm.end() :])
        out.append({"name": m.group(1).strip(), "arguments": args})
    return out


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, OPEN, CLOSE, invokes, "no <invoke name=...> inside")


def strict(text: str) -> list[dict[str, Any]]:
    return strict_tagged(text, OPEN, CLOSE, invokes)


FAMILY = Family(
    name="minimax_m2",
    title="MiniMax-M2 <minimax:tool_call><invoke>",
    example='<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="city">Paris</parameter>\n</invoke>\n</minimax:tool_call>',
    read=read,
    strict=strict,
    markers=(OPEN,),
    serving="vLLM minimax_m2, SGLang minimax-m2",
)
