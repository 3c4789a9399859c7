"""Kimi-K2: ``<|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:0<|tool_call_argument_begin|>{...}
<|tool_call_end|><|tool_calls_section_end|>``.

Spec: vLLM ``kimi_k2``, SGLang ``kimi_k2``. The name is the id's part before ``:`` after the last ``.``.
"""

from __future__ import annotations

import re
from typing import Any

from toolproof.validator.callsyntax.base import (
    Family,
    ReadContext,
    Reading,
    args_object,
    call_sections,
    section_start,
    strict_json_object,
)

BEGIN, END = "<|tool_calls_section_begin|>", "<|tool_calls_section_end|>"
CALL_BEGIN, ARG_BEGIN, CALL_END = "<|tool_call_begin|>", "<|tool_call_argument_begin|>", "<|tool_call_end|>"


def _name(call_id: str) -> str:
    return call_id.split(":")[0].split(".")[-1]


def _pieces(text: str) -> list[tuple[str, str, bool]]:
    """``(call id, argument text, closed)`` for every call block (linear)."""
    sections = call_sections(text, CALL_BEGIN, CALL_END, END, ARG_BEGIN)
    return [(call_id.strip(), args.strip(), closed) for _at, call_id, args, closed in sections]


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = section_start(text, BEGIN, CALL_BEGIN)
    if at < 0:
        return r
    for call_id, raw, _closed in _pieces(text[at:]):
        args = args_object(raw, f"Kimi call {call_id!r}")
        if isinstance(args, str) or not call_id:
            r.errors.append(args if isinstance(args, str) else f"Kimi call {call_id!r}: arguments are not an object")
            continue
        r.calls.append({"name": _name(call_id), "arguments": args})
    if r.calls:
        r.content = text[:at].strip()
    elif not r.errors:
        r.errors.append(f"{BEGIN} at offset {at}: no complete call inside")
    return r


_ID = re.compile(r"[^<\s]+:\d+")


def strict(text: str) -> list[dict[str, Any]]:
    """vLLM: inside the section, every closed block with an id ``NAME:INDEX`` and JSON arguments;
    one that fails voids the output."""
    if not text or BEGIN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for call_id, raw, closed in _pieces(text):
        if not closed:
            continue
        if not _ID.fullmatch(call_id):
            return []
        args = strict_json_object(raw)
        if args is None:
            return []
        calls.append({"name": _name(call_id), "arguments": args})
    return calls


FAMILY = Family(
    name="kimi_k2",
    title="Kimi-K2 <|tool_calls_section_begin|>",
    example='<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>',
    read=read,
    strict=strict,
    markers=(BEGIN, CALL_BEGIN),
    aliases=("kimi",),
    serving="vLLM kimi_k2, SGLang kimi_k2",
)
