"""Kimi-K2: ``<|tool_calls_section_begin|><|tool_call_begin|>functions.NAME:0<|tool_call_argument_begin|>{...}
<|tool_call_end|><|tool_calls_section_end|>``.

Spec: vLLM ``kimi_k2``, SGLang ``kimi_k2``. The name is the id's part before ``:`` after the last ``.``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolproof.validator.callsyntax.base import Family, ReadContext, Reading, loads

BEGIN, END = "<|tool_calls_section_begin|>", "<|tool_calls_section_end|>"
_CALL = re.compile(
    r"<\|tool_call_begin\|>\s*([^<\s]+)\s*<\|tool_call_argument_begin\|>\s*(.*?)\s*(?:<\|tool_call_end\|>|(?=<\|tool_call_begin\|>)|(?=<\|tool_calls_section_end\|>)|\Z)",
    re.DOTALL,
)


def _name(call_id: str) -> str:
    return call_id.split(":")[0].split(".")[-1]


def read(text: str, ctx: ReadContext) -> Reading:
    r = Reading()
    at = text.find(BEGIN)
    first = text.find("<|tool_call_begin|>")
    if at < 0 or (0 <= first < at):
        at = first
    if at < 0:
        return r
    for m in _CALL.finditer(text, at):
        try:
            args = loads(m.group(2))
        except ValueError as e:
            r.errors.append(f"Kimi call {m.group(1)!r}: arguments are not JSON: {e}")
            continue
        if not isinstance(args, dict):
            r.errors.append(f"Kimi call {m.group(1)!r}: arguments are not an object")
            continue
        r.calls.append({"name": _name(m.group(1)), "arguments": args})
    if r.calls:
        r.content = text[:at].strip()
    elif not r.errors:
        r.errors.append(f"{BEGIN} at offset {at}: no complete call inside")
    return r


_STRICT = re.compile(
    r"<\|tool_call_begin\|>\s*(?P<id>[^<]+:\d+)\s*<\|tool_call_argument_begin\|>\s*(?P<args>(?:(?!<\|tool_call_begin\|>).)*?)\s*<\|tool_call_end\|>",
    re.DOTALL,
)


def strict(text: str) -> list[dict[str, Any]]:
    if not text or BEGIN not in text:
        return []
    calls: list[dict[str, Any]] = []
    for m in _STRICT.finditer(text):
        try:
            args = json.loads(m.group("args"))
        except (ValueError, RecursionError):
            return []
        if not isinstance(args, dict):
            return []
        calls.append({"name": _name(m.group("id").strip()), "arguments": args})
    return calls


FAMILY = Family(
    name="kimi_k2",
    title="Kimi-K2 <|tool_calls_section_begin|>",
    example='<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>',
    read=read,
    strict=strict,
    markers=(BEGIN, "<|tool_call_begin|>"),
    aliases=("kimi",),
    serving="vLLM kimi_k2, SGLang kimi_k2",
)
