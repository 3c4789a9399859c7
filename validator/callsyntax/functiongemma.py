"""FunctionGemma: ``<start_function_call>call:get_weather{city:<escape>Paris<escape>}<end_function_call>``.

Spec: vLLM ``functiongemma``. Each ``key:<escape>value<escape>`` pair is one argument; a value
that parses as JSON is read as JSON, else it is the text.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, iter_blocks, loads

OPEN, CLOSE = "<start_function_call>", "<end_function_call>"
_HEAD = re.compile(r"\s*call:([A-Za-z_][\w.\-]*)\{")
_PAIR = re.compile(r"\s*([A-Za-z_]\w*):<escape>")


def _call(inner: str) -> dict[str, Any] | None:
    m = _HEAD.match(inner)
    if not m:
        return None
    body = inner[m.end() :].rstrip()
    if not body.endswith("}"):
        return None
    body = body[:-1]
    args: dict[str, Any] = {}
    pos = 0
    while pos < len(body):
        p = _PAIR.match(body, pos)
        if not p:
            return None
        end = body.find("<escape>", p.end())
        if end < 0:
            return None
        raw = body[p.end() : end]
        try:
            args[p.group(1)] = loads(raw)
        except ValueError:
            args[p.group(1)] = raw
        pos = end + len("<escape>")
        while pos < len(body) and body[pos] in ", \n\t":
            pos += 1
    return {"name": m.group(1), "arguments": args}


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    blocks = iter_blocks(text, OPEN, CLOSE)
    for start, inner, _end, _closed in blocks:
        c = _call(inner)
        if c is None:
            r.errors.append(f"{OPEN} at offset {start}: not call:NAME{{key:<escape>value<escape>, ...}}")
        else:
            r.calls.append(c)
    if r.calls:
        r.content = text[: blocks[0][0]].strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    if not text or OPEN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for _start, inner, _end, closed in iter_blocks(text, OPEN, CLOSE):
        c = _call(inner) if closed else None
        if c is None:
            return []
        calls.append(c)
    return calls


FAMILY = Family(
    name="functiongemma",
    title="FunctionGemma <start_function_call>call:NAME{...}",
    example="<start_function_call>call:get_weather{city:<escape>Paris<escape>}<end_function_call>",
    read=read,
    strict=strict,
    markers=(OPEN,),
    aliases=("function_gemma",),
    serving="vLLM functiongemma",
)
