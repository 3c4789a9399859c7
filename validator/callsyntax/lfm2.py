"""LiquidAI LFM2 / LFM2.5: ``<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>``, a
pythonic call list between two special tokens (the end token may be missing).

Spec: vLLM ``lfm2``. Its strict reader takes the text between the first start token and the next end
token (or the end of the output), which must be one list of calls. Not mirrored: vLLM's rewrites of
text that does not parse as Python (leading zeros such as ``month=07``, raw control characters or
unescaped quotes inside strings, a parameter named after a Python keyword) and its dropping of single
calls whose arguments are not literals; such an output has no calls here.
"""

from __future__ import annotations

from typing import Any

from toolproof.validator.callsyntax import pythonic
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, iter_blocks

START, END = "<|tool_call_start|>", "<|tool_call_end|>"


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    kept: list[str] = []
    pos = 0
    for start, inner, end, _closed in iter_blocks(text, START, END, unclosed=True):
        calls, spans = pythonic.read_lists(inner, ctx)
        if not calls:
            r.errors.append(f"{START} at offset {start}: no pythonic call list inside")
            continue
        r.calls.extend(calls)
        kept += [text[pos:start], inner[: spans[0][0]], inner[spans[-1][1] :]]
        pos = end
    if r.calls:
        kept.append(text[pos:])
        r.content = "".join(kept).replace(END, "").strip()
    return r


def strict(text: str) -> list[dict[str, Any]]:
    at = text.find(START) if text else -1
    if at < 0:
        return []
    body = text[at + len(START) :]
    end = body.find(END)
    return pythonic.strict_list(body if end < 0 else body[:end])


FAMILY = Family(
    name="lfm2",
    title="LFM2 <|tool_call_start|>[pythonic]",
    example='<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>',
    read=read,
    strict=strict,
    markers=(START,),
    aliases=("lfm2.5", "lfm25"),
    serving="vLLM lfm2",
)
