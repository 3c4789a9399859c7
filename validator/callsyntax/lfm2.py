"""LiquidAI LFM2 / LFM2.5: ``<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>``, a
pythonic call list between two special tokens (the end token may be missing), or, when the system
prompt asks for JSON tools, a JSON list ``[{"name": ..., "arguments": {...}}]`` between the same
tokens.

Spec: vLLM ``lfm2`` (the pythonic list), llama.cpp ``common_chat_parse_lfm2``
(``common/chat-parser.cpp``: a JSON array between the tokens, each object a call) and SGLang's
``lfm2`` detector (``function_call/lfm2_detector.py``), which reads both forms. The strict
reader takes the text between the first start token and the next end token (or the end of the
output), which must be one list of calls: pythonic (vLLM) or a JSON array of ``{"name",
"arguments": {...}}`` objects (llama.cpp). Not mirrored: vLLM's rewrites of
text that does not parse as Python (leading zeros such as ``month=07``, raw control characters or
unescaped quotes inside strings, a parameter named after a Python keyword) and its dropping of single
calls whose arguments are not literals; such an output has no calls here.
"""

from __future__ import annotations

import json
from typing import Any

from toolproof.validator.callsyntax import pythonic
from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    calls_from_value,
    loads,
    read_tagged,
    strict_json_items,
)

START, END = "<|tool_call_start|>", "<|tool_call_end|>"


def _json_list(inner: str) -> list[dict[str, Any]] | None:
    """The block body as llama.cpp reads it: a JSON array whose items are calls."""
    s = inner.strip()
    if not s.startswith("["):
        return None
    try:
        value = loads(s)
    except ValueError:
        return None
    return calls_from_value(value) if isinstance(value, list) else None


def read(text: str, ctx: ReadContext) -> Reading:
    return read_tagged(
        text,
        START,
        END,
        lambda inner: _json_list(inner) or pythonic.read_lists(inner, ctx)[0],
        "no pythonic or JSON call list inside",
    )


def strict(text: str) -> list[dict[str, Any]]:
    at = text.find(START) if text else -1
    if at < 0:
        return []
    body = text[at + len(START) :]
    end = body.find(END)
    body = body if end < 0 else body[:end]
    return pythonic.strict_list(body) or _strict_json(body)


def _strict_json(body: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return []
    return strict_json_items(value) if isinstance(value, list) and value else []


FAMILY = Family(
    name="lfm2",
    title="LFM2 <|tool_call_start|>[pythonic or JSON]",
    example='<|tool_call_start|>[get_weather(city="Paris")]<|tool_call_end|>',
    read=read,
    strict=strict,
    markers=(START,),
    aliases=("lfm2.5", "lfm25"),
    serving="vLLM lfm2, SGLang lfm2, llama.cpp lfm2",
)
