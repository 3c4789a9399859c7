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
from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, read_tagged

START, END = "<|tool_call_start|>", "<|tool_call_end|>"


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(text, START, END, lambda inner: pythonic.read_lists(inner, ctx)[0], "no pythonic call list inside")


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
